// The demo dataset of `feedloop demo`, as the request bodies a client would send (v2 interactions
// and feedback), generated from a seed: the same seed and anchor time give the same data. It
// looks like a month of a support assistant for an accounting app: several models, an A/B test of
// two retriever versions (v2 really is better), comments, copies, vote changes, PII that removal
// turns into placeholders, and feedback that never finds its interaction (pending, orphaned).
import type { FeedbackBody, InteractionBody } from '../core/wire/schemas.js';
import { prng } from '../core/random.js';

export interface DemoOptions {
  seed: number;
  /** The end of the month of data (ms); interactions fall in the 30 days before it. */
  now: number;
  interactions: number;
}

export interface DemoData {
  interactions: InteractionBody[];
  /** Feedback on those interactions, in time order. */
  feedback: FeedbackBody[];
  /** Feedback naming interactions that never arrive: stays pending. */
  pending: FeedbackBody[];
  /** Feedback of end users with no interactions, old enough to be orphaned. */
  orphaned: FeedbackBody[];
}

const DAY = 24 * 3600_000;


export const DEMO_MODELS = [
  { name: 'gpt-4o', share: 0.34, quality: 0.74 },
  { name: 'gpt-4o-mini', share: 0.3, quality: 0.63 },
  { name: 'claude-3-5-sonnet', share: 0.22, quality: 0.77 },
  { name: 'llama-3.1-70b', share: 0.14, quality: 0.56 },
] as const;

/** The A/B test: each end user sticks to one variant; v2 adds this much to the chance of a good answer. */
export const DEMO_FLAGS = { a: 'retriever-v1', b: 'retriever-v2', effect: 0.1 } as const;

const PLANS = ['free', 'free', 'pro', 'pro', 'pro', 'enterprise'] as const;
const LOCALES = ['en', 'en', 'en', 'it', 'de', 'fr'] as const;

const FIRST = ['Maria', 'James', 'Sofia', 'Liam', 'Chiara', 'Noah', 'Emma', 'Lukas', 'Camille', 'Oliver', 'Giulia', 'Hannah'];
const LAST = ['Rossi', 'Smith', 'Müller', 'Dubois', 'Bianchi', 'Johnson', 'Schmidt', 'Martin', 'Ricci', 'Brown'];
const CLIENTS = ['Northwind', 'Bluebird Bakery', 'Kestrel Labs', 'Orchard & Co', 'Harbor Freight Ltd', 'Pinecone Studio'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

interface Topic { ask: (r: Slots) => string; answer: (r: Slots) => string; difficulty: number }
interface Slots { pick: <T>(items: readonly T[]) => T; number: (min: number, max: number) => number }

// Questions a small business asks an accounting assistant, with answers of the kind it gives.
// `difficulty` lowers the chance of a good answer (hard topics are where assistants fail).
const TOPICS: Topic[] = [
  { difficulty: 0, ask: () => 'How do I reset my password?',
    answer: () => 'Open Settings → Security and choose "Reset password". We email you a link that is valid for 30 minutes; follow it and pick a new password of at least 12 characters.' },
  { difficulty: 0.05, ask: (r) => `How do I send invoice #${r.number(1000, 9999)} again to my client?`,
    answer: () => 'Open Invoices, find the invoice and choose More → Resend. You can change the recipient before sending; the client gets the same PDF and payment link.' },
  { difficulty: 0.1, ask: (r) => `Can I add a discount of ${r.number(5, 30)}% to a recurring invoice?`,
    answer: () => 'Yes. Edit the recurring profile, add a line with a negative amount or set a discount on the whole invoice, and save. Future invoices use it; invoices already sent stay as they are.' },
  { difficulty: 0.15, ask: (r) => `Why is my bank feed for ${r.pick(['Barclays', 'Deutsche Bank', 'BNP Paribas', 'Chase'])} not updating?`,
    answer: () => 'Bank feeds stop when the bank asks you to confirm access again, usually every 90 days. Open Bank accounts → Connections and choose "Reconnect". If it still fails, the bank may be down; we retry every few hours.' },
  { difficulty: 0.25, ask: (r) => `How do I record VAT on a sale to a business in ${r.pick(['Germany', 'France', 'Italy', 'Spain', 'the Netherlands'])}?`,
    answer: () => 'For a B2B sale within the EU, use the reverse-charge rate: the invoice shows 0% VAT and the note "Reverse charge". Enter the customer\'s VAT number on their contact so it appears on the invoice and in your EC sales list.' },
  { difficulty: 0.05, ask: () => 'How do I export my transactions to a spreadsheet?',
    answer: () => 'Go to Reports → Transactions, set the date range and choose Export → CSV or Excel. Large exports are emailed to you when ready.' },
  { difficulty: 0.2, ask: (r) => `My balance sheet is off by ${r.number(12, 900)}.${r.number(10, 99)} — how do I find out why?`,
    answer: () => 'Run the "Unreconciled transactions" report for the period and compare the closing balance with your bank statement. Differences usually come from a duplicated import, a transfer recorded on one side only, or an opening balance entered twice.' },
  { difficulty: 0.1, ask: (r) => `How do I give my accountant access to the ${r.pick(CLIENTS)} account?`,
    answer: () => 'Open Settings → Users and invite them with the "Accountant" role. They can see every report and make journal entries, but cannot change billing or delete the company.' },
  { difficulty: 0.3, ask: (r) => `What is the deadline for the ${r.pick(['Q1', 'Q2', 'Q3', 'Q4'])} VAT return and can you file it for me?`,
    answer: () => 'Deadlines depend on your country and scheme; the VAT page shows the next due date for your company. We prepare the return from your transactions, and you submit it with the "File now" button once you have checked it.' },
  { difficulty: 0.05, ask: () => 'Can I change the currency of an invoice after it was sent?',
    answer: () => 'Not on a sent invoice: void it and create a new one in the other currency. The exchange rate is taken from the invoice date unless you set one yourself.' },
  { difficulty: 0.15, ask: (r) => `How do I categorise a payment of ${r.number(20, 2000)} EUR to ${r.pick(['AWS', 'Google Workspace', 'a freelancer', 'the landlord', 'Uber'])}?`,
    answer: () => 'Open the transaction and choose a category: software subscriptions for cloud services, contractors for freelancers, rent for the landlord, travel for rides. Tick "Create a rule" to categorise future payments to the same payee automatically.' },
  { difficulty: 0.35, ask: () => 'How should I depreciate a laptop I bought for the business?',
    answer: () => 'Record it as a fixed asset and depreciate it over its useful life, typically three years straight-line. Fixed Assets → New asset sets up the monthly depreciation entries for you.' },
  { difficulty: 0.1, ask: (r) => `Where can I see which clients have not paid in ${r.pick(MONTHS)}?`,
    answer: () => 'Reports → Aged receivables lists unpaid invoices by client and by how long they are overdue. From there you can send a reminder to each client in one click.' },
  { difficulty: 0.2, ask: () => 'Can I connect Stripe so payouts are matched to invoices?',
    answer: () => 'Yes: Integrations → Stripe → Connect. Payouts then arrive as bank transactions split into the invoices they pay, minus Stripe\'s fees, which are booked as bank charges.' },
  { difficulty: 0.05, ask: () => 'How do I add my logo to invoices?',
    answer: () => 'Settings → Branding → Upload logo. PNG or SVG up to 2 MB; it appears on every new invoice, quote and reminder.' },
];

// What users write when they react; the ones with PII show what removal does to comments.
const BAD_COMMENTS = [
  'This is wrong, the menu is called Accounts now.',
  'Too long, I just wanted the steps.',
  'It did not answer my question about the reverse charge at all.',
  'Outdated: that button does not exist anymore.',
  'I asked about Q3, it talked about something else.',
  'Not helpful, please have a human contact me at {email}',
  'The numbers it gave me do not match my bank statement.',
  'It keeps telling me to reconnect, I did that three times.',
  'Wrong country rules, I am in Italy.',
  'Call me on {phone}, this is urgent and the bot is useless.',
];
const GOOD_COMMENTS = ['Perfect, thanks!', 'Exactly what I needed.', 'Clear and short, great.', 'That fixed it.', 'Thanks, my accountant confirmed this.'];
const COMMENTS = ['Can you add this to the help center?', 'I would like an example with numbers.', 'Good answer but the link was missing.'];

export function generateDemo(options: DemoOptions): DemoData {
  const random = prng(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const number = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const chance = (p: number) => random() < p;
  const slots: Slots = { pick, number };
  const prefix = `demo-${options.seed}`;

  // End users, each with a plan, a locale and a sticky variant of the A/B test.
  const userCount = Math.max(20, Math.round(options.interactions / 12));
  const users = Array.from({ length: userCount }, (_, k) => ({
    id: `customer-${String(k + 1).padStart(4, '0')}`,
    plan: pick(PLANS),
    locale: pick(LOCALES),
    flag: chance(0.5) ? DEMO_FLAGS.a : DEMO_FLAGS.b,
    name: `${pick(FIRST)} ${pick(LAST)}`,
  }));
  const email = (name: string) => `${name.split(' ')[0]!.toLowerCase()}.${number(10, 99)}@example.com`;
  const phone = () => `+44 20 7946 0${number(100, 999)}`;

  const chooseModel = () => {
    let x = random();
    for (const m of DEMO_MODELS) {
      if ((x -= m.share) < 0) return m;
    }
    return DEMO_MODELS[0];
  };

  // When conversations start: more on weekdays and in working hours (UTC), growing over the month.
  // Each start takes the same number of draws whatever the date, so the same seed gives the same
  // conversations, users, questions and reactions on any day; only their times follow the calendar.
  const firstDay = Math.floor(options.now / DAY) * DAY - 29 * DAY;
  const dayWeights = Array.from({ length: 30 }, (_, d) => {
    const weekday = new Date(firstDay + d * DAY).getUTCDay();
    return (weekday === 0 || weekday === 6 ? 0.45 : 1) * (0.7 + 0.6 * (d / 29));
  });
  const hourWeights = Array.from({ length: 24 }, (_, h) => (h >= 7 && h <= 19 ? 1 : 0.25));
  const sample = (weights: number[], u: number): number => {
    let x = u * weights.reduce((a, b) => a + b, 0);
    for (let k = 0; k < weights.length; k++) if ((x -= weights[k]!) < 0) return k;
    return weights.length - 1;
  };
  const conversationStart = (): number => {
    const at = firstDay + sample(dayWeights, random()) * DAY + sample(hourWeights, random()) * 3600_000 + random() * 3600_000;
    // Today's later hours have not happened yet: those conversations took place a day earlier.
    return at > options.now - 3600_000 ? at - DAY : at;
  };

  const interactions: InteractionBody[] = [];
  const feedback: FeedbackBody[] = [];
  let feedbackCount = 0;
  const feedbackBody = (slug: string, endUser: string, at: number, link: Record<string, string>, extra: { text?: string; value?: number; anonymize?: boolean } = {}): FeedbackBody => ({
    feedback: { slug, ...(extra.text !== undefined ? { text: extra.text } : {}), ...(extra.value !== undefined ? { value: extra.value } : {}) },
    metadata: {
      end_user: endUser, timestamp: new Date(at).toISOString(), event_id: `${prefix}-fb-${++feedbackCount}`,
      ...(extra.anonymize ? { anonymize: true } : {}), ...link,
    },
  });

  while (interactions.length < options.interactions) {
    const user = pick(users);
    const model = chooseModel();
    const turns = Math.min(options.interactions - interactions.length, 1 + Math.floor(random() ** 2 * 5));
    let at = conversationStart();
    for (let t = 0; t < turns; t++) {
      const topic = pick(TOPICS);
      let input = topic.ask(slots);
      // Some users introduce themselves or leave contact details: removal turns these into placeholders.
      const introduce = random();
      if (introduce < 0.05) input = `Hi, my name is ${user.name}. ${input}`;
      else if (introduce < 0.08) input = `${input} You can reach me at ${email(user.name)}.`;
      else if (introduce < 0.1) input = `${input} My number is ${phone()} if you need it.`;
      const output = topic.answer(slots);
      const generation = 1500 + random() * 9000;
      const timeStart = at;
      const timeEnd = at + generation;
      const id = `${prefix}-${String(interactions.length).padStart(5, '0')}`;
      interactions.push({
        interaction: {
          id, end_user: user.id, input, output, model: model.name,
          messages: [{ role: 'user', content: input }],
          time_start: new Date(timeStart).toISOString(), time_end: new Date(timeEnd).toISOString(),
          tags: { plan: user.plan, locale: user.locale }, feature_flag: [user.flag],
        },
        anonymize: true,
      });

      // How the front end names the interaction its feedback is about: by id, by the answer text, or by time alone.
      const how = random();
      const link: Record<string, string> = how < 0.5 ? { interaction_id: id } : how < 0.8 ? { output } : {};
      const quality = Math.min(0.97, Math.max(0.05, model.quality + (user.flag === DEMO_FLAGS.b ? DEMO_FLAGS.effect : 0) - topic.difficulty + (user.plan === 'enterprise' ? 0.03 : 0)));
      const good = chance(quality);
      // Reactions come within seconds, before the user's next question ends.
      let when = timeEnd + 2000 + random() * 20_000;
      const next = () => (when += 1000 + random() * 4000);
      if (chance(0.1 + 0.2 * quality)) {
        const sentence = output.split('. ')[0]!;
        feedback.push(feedbackBody('copy_output', user.id, next(), link, { text: sentence }));
      }
      if (chance(0.4)) {
        const withComment = good ? chance(0.08) : chance(0.45);
        const text = withComment ? (good ? pick(GOOD_COMMENTS) : pick(BAD_COMMENTS).replace('{email}', email(user.name)).replace('{phone}', phone())) : undefined;
        const changesMind = chance(0.03);
        feedback.push(feedbackBody(good !== changesMind ? 'thumbs_up' : 'thumbs_down', user.id, next(), link, { ...(text ? { text, anonymize: true } : {}) }));
        if (changesMind) feedback.push(feedbackBody(good ? 'thumbs_up' : 'thumbs_down', user.id, next(), link));
      }
      if (chance(0.13)) {
        const value = good ? (chance(0.6) ? 5 : 4) : pick([1, 2, 2, 3, 3]);
        feedback.push(feedbackBody('rating', user.id, next(), link, { value }));
      }
      if (chance(0.03 + 0.1 * (1 - quality))) feedback.push(feedbackBody('regenerate', user.id, next(), link));
      if (chance(0.02)) feedback.push(feedbackBody('edit', user.id, next(), link));
      if (chance(0.02)) feedback.push(feedbackBody('comment', user.id, next(), link, { text: pick(COMMENTS), anonymize: true }));
      if (chance(0.01)) feedback.push(feedbackBody('copy_input', user.id, next(), link, { text: input.slice(0, 40) }));
      // The next question comes after the reactions to this answer.
      at = Math.max(when, timeEnd) + 30_000 + random() * 150_000;
    }
  }
  interactions.sort((x, y) => Date.parse(x.interaction.time_end) - Date.parse(y.interaction.time_end));
  feedback.sort((x, y) => Date.parse(x.metadata.timestamp) - Date.parse(y.metadata.timestamp));

  // A front end that sent feedback for answers its back end never uploaded.
  const pending = Array.from({ length: Math.max(5, Math.round(options.interactions / 75)) }, (_, k) => {
    const user = pick(users);
    const at = options.now - random() * 2 * DAY;
    return feedbackBody(pick(['thumbs_up', 'thumbs_down', 'thumbs_down', 'copy_output']), user.id, at, { interaction_id: `${prefix}-lost-${k}` });
  });
  // End users whose interactions were never sent at all; their feedback has waited past the TTL.
  const orphaned = Array.from({ length: Math.max(3, Math.round(options.interactions / 120)) }, (_, k) => {
    const slug = pick(['thumbs_up', 'thumbs_down', 'rating']);
    return feedbackBody(slug, `visitor-${k + 1}`, firstDay + random() * 20 * DAY, {}, slug === 'rating' ? { value: number(1, 5) } : {});
  });

  return { interactions, feedback, pending, orphaned };
}
