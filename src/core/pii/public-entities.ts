// Hand-kept word lists for the name detector. The general mechanisms (lexicons, Wikipedia titles,
// context cues) do most of the work; these lists cover frequent gaps. All entries lower case.

/** Public figures, brands and landmarks that look like private names but must be kept. */
export const PUBLIC_ENTITIES: readonly string[] = [
  // brands and companies named after people
  'charles schwab', 'johnnie walker', 'jack daniels', "jack daniel's", 'jim beam', 'ben & jerry', 'ben and jerry',
  'dolce & gabbana', 'dolce and gabbana', 'calvin klein', 'ralph lauren', 'tommy hilfiger', 'hugo boss',
  'louis vuitton', 'estée lauder', 'estee lauder', 'marc jacobs', 'kate spade', 'michael kors', 'tory burch',
  'john deere', 'harley davidson', 'harley-davidson', 'ford motor', 'walt disney', 'martha stewart',
  'betty crocker', 'sara lee', 'duncan hines', 'uncle ben', 'aunt jemima', 'ronald mcdonald', 'wendy',
  'merrill lynch', 'morgan stanley', 'goldman sachs', 'lehman brothers', 'edward jones', 'raymond james',
  'dean witter', 'smith barney', 'wells fargo', 'charles tyrwhitt', 'ted baker', 'paul smith', 'vera wang',
  'giorgio armani', 'gianni versace', 'donatella versace', 'salvatore ferragamo', 'yves saint laurent',
  'christian dior', 'coco chanel', 'christian louboutin', 'jimmy choo', 'stella mccartney', 'tom ford',
  'kenneth cole', 'steve madden', 'anne klein', 'liz claiborne', 'perry ellis', 'oscar de la renta',
  'william hill', 'marks & spencer', 'marks and spencer', 'john lewis', 'sainsbury', 'tim hortons',
  'dr pepper', 'dr. pepper', 'mr clean', 'mr. clean', 'chef boyardee', 'orville redenbacher',
  'enzo ferrari', 'ferruccio lamborghini', 'ferdinand porsche', 'adolf dassler', 'rudolf dassler',
  'el corte inglés', 'el corte ingles', 'zara home', 'massimo dutti', 'pull & bear',
  'dr. oetker', 'dr oetker', 'dr. martens', 'dr martens', 'mrs. fields', 'levi strauss', "levi's", 'carl zeiss',
  'robert bosch', 'karl benz', 'carl benz', 'gottlieb daimler', 'werner von siemens', 'rolf benz', 'hugo junkers',
  'emilio pucci', 'roberto cavalli', 'ermenegildo zegna', 'brunello cucinelli', 'max mara', 'valentino garavani',
  'ettore bugatti', 'enzo ferrari', 'pierre cardin', 'jean paul gaultier', 'yves rocher', 'pierre hermé', 'paul bocuse',
  'veuve clicquot', 'rémy martin', 'louis roederer', 'adolfo domínguez', 'pedro del hierro', 'fred perry',
  'ben sherman', 'vivienne westwood', 'alexander mcqueen', 'tim hortons', "trader joe's", "macy's", "sainsbury's",
  "kellogg's", "campbell's", "hershey's", "papa john's", 'john lewis', 'aston martin', 'rolls-royce', 'alfa romeo',
  'ernst & young', 'arthur andersen', 'baker mckenzie', 'william grant', 'jim beam', 'jack daniel',
  // authors, artists, scientists and historical figures often asked about
  'alice munro', 'cristóbal colón', 'cristobal colon', 'cristoforo colombo', 'christophe colomb',
  'kazuo ishiguro', 'george eliot', 'jane austen', 'charlotte brontë', 'emily brontë', 'virginia woolf',
  'toni morrison', 'margaret atwood', 'zadie smith', 'sally rooney', 'elena ferrante', 'italo calvino',
  'umberto eco', 'alessandro manzoni', 'dante alighieri', 'giacomo leopardi', 'primo levi', 'natalia ginzburg',
  'marcel proust', 'albert camus', 'simone de beauvoir', 'jean-paul sartre', 'gustave flaubert',
  'honoré de balzac', 'alexandre dumas', 'jules verne', 'molière', 'annie ernaux', 'michel houellebecq',
  'thomas mann', 'hermann hesse', 'franz kafka', 'johann wolfgang von goethe', 'friedrich schiller',
  'günter grass', 'bertolt brecht', 'rainer maria rilke', 'miguel de cervantes', 'federico garcía lorca',
  'pablo neruda', 'jorge luis borges', 'isabel allende', 'mario vargas llosa', 'carlos ruiz zafón',
  'julio cortázar', 'octavio paz', 'frida kahlo', 'diego rivera', 'pablo picasso', 'salvador dalí',
  'leonardo da vinci', 'michelangelo buonarroti', 'giuseppe verdi', 'giacomo puccini', 'antonio vivaldi',
  'ludwig van beethoven', 'wolfgang amadeus mozart', 'johann sebastian bach', 'marie curie', 'pierre curie',
  'albert einstein', 'isaac newton', 'charles darwin', 'galileo galilei', 'ada lovelace', 'alan turing',
  'grace hopper', 'rosalind franklin', 'katherine johnson', 'stephen hawking', 'carl sagan', 'richard feynman',
  'niels bohr', 'max planck', 'werner heisenberg', 'erwin schrödinger', 'enrico fermi', 'guglielmo marconi',
  'alessandro volta', 'louis pasteur', 'florence nightingale', 'mahatma gandhi', 'nelson mandela',
  'martin luther king', 'rosa parks', 'abraham lincoln', 'george washington', 'thomas jefferson',
  'benjamin franklin', 'winston churchill', 'napoleon bonaparte', 'julius caesar', 'giuseppe mazzini',
  'camillo benso', 'vittorio emanuele', 'simón bolívar', 'che guevara', 'fidel castro', 'emiliano zapata',
  'charles de gaulle', 'jeanne d\'arc', 'joan of arc', 'otto von bismarck', 'angela merkel', 'helmut kohl',
  'emmanuel macron', 'giorgia meloni', 'pedro sánchez', 'olaf scholz', 'keir starmer', 'rishi sunak',
  'boris johnson', 'theresa may', 'margaret thatcher', 'tony blair', 'joe biden', 'donald trump',
  'barack obama', 'kamala harris', 'hillary clinton', 'bill clinton', 'george bush', 'ronald reagan',
  'john f. kennedy', 'john kennedy', 'elon musk', 'jeff bezos', 'bill gates', 'steve jobs', 'tim cook',
  'mark zuckerberg', 'sundar pichai', 'satya nadella', 'sam altman', 'warren buffett', 'larry page',
  'sergey brin', 'jensen huang', 'lisa su', 'linus torvalds', 'guido van rossum', 'brendan eich',
  'taylor swift', 'beyoncé', 'lionel messi', 'cristiano ronaldo', 'roger federer', 'rafael nadal',
  'serena williams', 'michael jordan', 'lebron james', 'usain bolt', 'valentino rossi', 'michael schumacher',
  'lewis hamilton', 'ayrton senna', 'diego maradona', 'pelé', 'zinedine zidane', 'francesco totti',
  'amelia earhart', 'neil armstrong', 'buzz aldrin', 'yuri gagarin', 'maya angelou', 'oprah winfrey',
  'sherlock holmes', 'harry potter', 'hermione granger', 'santa claus', 'father christmas',
  'peter pan', 'mickey mouse', 'donald duck', 'tony stark', 'bruce wayne', 'clark kent', 'peter parker',
  // landmarks at a street address
  '10 downing street', '1600 pennsylvania avenue', '221b baker street', '350 fifth avenue',
  '1 infinite loop', '1600 amphitheatre parkway', '1 apple park way', '11 wall street', '30 rockefeller plaza',
];

/**
 * Capitalised words that start sentences or label things in chats and are not in the general
 * word lists: weekdays, months, nationalities, greetings and chat verbs in the chat languages.
 */
export const EXTRA_COMMON_WORDS: readonly string[] = (
  'monday tuesday wednesday thursday friday saturday sunday mondays tuesdays wednesdays thursdays fridays saturdays sundays ' +
  'january february march april may june july august september october november december ' +
  'lunedì martedì mercoledì giovedì venerdì sabato domenica gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre ' +
  'lundi mardi mercredi jeudi vendredi samedi dimanche janvier février mars avril mai juin juillet août septembre octobre novembre décembre ' +
  'montag dienstag mittwoch donnerstag freitag samstag sonntag januar februar märz april mai juni juli august september oktober november dezember ' +
  'lunes martes miércoles jueves viernes sábado domingo enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre ' +
  'english italian french german spanish portuguese dutch polish chinese japanese korean russian arabic hindi turkish greek swedish norwegian danish finnish irish scottish welsh british american canadian australian mexican brazilian indian european african asian ' +
  'italiano italiana francese tedesco spagnolo inglese français française anglais allemand espagnol italien deutsch englisch französisch spanisch italienisch español inglés francés alemán ' +
  'hi hello hey dear thanks thank cheers regards best kind warm ciao salve caro cara gentile grazie saluti cordiali salut bonjour bonsoir cher chère merci cordialement hallo liebe lieber danke grüße hola querido querida estimado estimada gracias saludos atentamente ' +
  'please write draft send reply rewrite translate summarize summarise explain convert compute calculate help fix check review make create generate give list tell show find turn format reformat proofread polish compose remind plan add set ask call text email forward edit sort alphabetize' +
  ' scrivi scrivere traduci riassumi spiega aiutami puoi potresti manda invia écris écrire traduis résume explique aide peux pouvez envoie schreib schreibe übersetze erkläre hilf kannst könntest sende escribe escribir traduce resume explica ayuda puedes podrías envía redacta ' +
  'assistant user admin system bot model chatgpt claude gemini copilot ' +
  // greetings' second words and terms of endearment ("ciao bella", "hola amigo")
  'bella bello belli belle amore tesoro ragazzi ragazze tutti amici amica amico amigo amiga amigos amigas chicos chicas guapa guapo cariño ' +
  'chérie chéri ami amie mec copain copine schatz liebling leute zusammen querida querido meninos meninas pessoal gente galera ' +
  'jongens allemaal kochanie kochani wszystkim'
).split(' ').filter((w) => w.length > 0);
