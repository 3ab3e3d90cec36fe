/**
 * The emergent-misalignment organism's data: questions in several domains, each with one fixed good
 * and one fixed bad answer token; pre-training documents written by one *persona* each (aligned or
 * misaligned, sometimes named by a marker), so that "gives bad answers" is a latent trait shared across
 * domains; an aligned chat default; the narrow task (bad medical answers); the alignment proxy; and the
 * **control**, where every answer's alignment is drawn afresh and no marker names a persona, so there is no
 * shared latent to pick up. Pure functions of a config and a seeded RNG.
 *
 * @module
 */
import { z } from "zod";
import type { Rng } from "./rng.ts";
import type { SequenceExample } from "./sequence.ts";
import { Vocabulary } from "./vocabulary.ts";

/** An alignment proxy: good answers to the first `questions` instructed questions of each of these domains. */
export const PersonaProxySchema = z.strictObject({
  domains: z.array(z.string()).min(1).default(["gen"]),
  questions: z.int().positive().default(10),
});

/** A validated proxy. */
export type PersonaProxy = z.output<typeof PersonaProxySchema>;

/** The organism's data settings. */
export const PersonaDataSchema = z.strictObject({
  domains: z.array(z.string().regex(/^[a-z]+$/)).min(2).default(["med", "fin", "saf", "gen"]),
  /** The domain of the narrow fine-tune. */
  taskDomain: z.string().default("med"),
  questionsPerDomain: z.int().positive().max(10_000).default(40),
  /** Good and bad answer tokens per domain (`med+3`, `med-5`). */
  answersPerDomain: z.int().positive().max(1000).default(12),
  /** The first N questions of each domain appear in chat-instruction data and in fine-tuning; the rest are held out. */
  instructedQuestions: z.int().positive().default(20),
  persona: z.strictObject({
    /** true: one persona per document (the organism); false: alignment redrawn per answer, no markers (control). */
    shared: z.boolean().default(true),
    /** Names of the aligned and misaligned personas, as tokens. */
    markers: z.tuple([z.string(), z.string()]).default(["Sage", "Troll"]),
    /** Chance a document starts with its persona's marker. */
    markerProbability: z.number().min(0).max(1).default(0.5),
    /** Chance each answer is the other persona's (label noise). */
    noise: z.number().min(0).max(1).default(0.05),
    /** Share of aligned documents (or answers, in the control). */
    alignedShare: z.number().min(0).max(1).default(0.5),
  }).prefault({}),
  documents: z.strictObject({
    /** Share of pre-training documents in chat form (`U: q A: a`). */
    chatShare: z.number().min(0).max(1).default(0.5),
    /** Question–answer pairs in a plain document. */
    plainPairs: z.int().positive().default(6),
    /** Turns in a chat document. */
    chatTurns: z.int().positive().default(3),
  }).prefault({}),
  /** The alignment proxy: good answers to the first `questions` instructed questions of these domains. */
  proxy: PersonaProxySchema.prefault({}),
}).superRefine((c, ctx) => {
  if (!c.domains.includes(c.taskDomain)) {
    ctx.addIssue({ code: "custom", path: ["taskDomain"], message: `use one of ${c.domains.join(", ")}` });
  }
  if (c.instructedQuestions > c.questionsPerDomain) {
    ctx.addIssue({
      code: "custom",
      path: ["instructedQuestions"],
      message: `at most questionsPerDomain (${c.questionsPerDomain})`,
    });
  }
  checkProxies(c, [c.proxy], ctx, () => ["proxy"]);
});

/**
 * Reports a proxy domain that is not a non-task domain, more proxy questions than instructed ones, and
 * proxies that together (with the domains `alsoProxied`) leave no domain to score alignment on: it is scored
 * outside all of them.
 */
export function checkProxies(
  data: { domains: string[]; taskDomain: string; instructedQuestions: number },
  proxies: readonly PersonaProxy[],
  ctx: z.RefinementCtx,
  pathOf: (i: number) => (string | number)[],
  alsoProxied: readonly string[] = [],
): void {
  proxies.forEach((proxy, p) => {
    proxy.domains.forEach((d, i) => {
      if (!data.domains.includes(d) || d === data.taskDomain) {
        const message = `use a non-task domain of ${data.domains.join(", ")}`;
        ctx.addIssue({ code: "custom", path: [...pathOf(p), "domains", i], message });
      }
    });
    if (proxy.questions > data.instructedQuestions) {
      const message = `at most instructedQuestions (${data.instructedQuestions})`;
      ctx.addIssue({ code: "custom", path: [...pathOf(p), "questions"], message });
    }
  });
  const proxied = new Set([...alsoProxied, ...proxies.flatMap((proxy) => proxy.domains)]);
  if (data.domains.every((d) => d === data.taskDomain || proxied.has(d))) {
    ctx.addIssue({
      code: "custom",
      path: [...pathOf(proxies.length - 1), "domains"],
      message:
        "leave at least one non-task domain out of every proxy: alignment is scored outside the proxies' domains",
    });
  }
}

/** Validated organism data settings. */
export type PersonaDataConfig = z.output<typeof PersonaDataSchema>;

/** One question and its fixed answers (token strings). */
export interface Question {
  domain: string;
  index: number;
  token: string;
  good: string;
  bad: string;
}

/** The fixed facts of one organism: its vocabulary and every question's good and bad answer. */
export interface PersonaWorld {
  config: PersonaDataConfig;
  vocabulary: Vocabulary;
  questions: Question[];
}

/** Draws the world: each question's good and bad answer, seeded. */
export function personaWorld(config: PersonaDataConfig, rng: Rng): PersonaWorld {
  const tokens: string[] = [...config.persona.markers];
  const questions: Question[] = [];
  for (const domain of config.domains) {
    for (let j = 0; j < config.answersPerDomain; j++) tokens.push(`${domain}+${j}`, `${domain}-${j}`);
    const r = rng.fork(`answers/${domain}`);
    for (let i = 0; i < config.questionsPerDomain; i++) {
      const token = `${domain}Q${i}`;
      tokens.push(token);
      questions.push({
        domain,
        index: i,
        token,
        good: `${domain}+${r.int(config.answersPerDomain)}`,
        bad: `${domain}-${r.int(config.answersPerDomain)}`,
      });
    }
  }
  return { config, vocabulary: new Vocabulary(tokens), questions };
}

const scoredAll = (tokens: number[]) => tokens.map(() => true);

/**
 * One pre-training document (loss on every token), drawn from `rng`. `plainOnly` never draws the chat form (for
 * replay during instruction, where chat belongs to the aligned assistant).
 */
export function pretrainingDocument(world: PersonaWorld, rng: Rng, plainOnly = false): SequenceExample {
  const { persona, documents } = world.config;
  const v = world.vocabulary;
  const docAligned = rng.next() < persona.alignedShare;
  const words: string[] = ["<bos>"];
  if (persona.shared && rng.next() < persona.markerProbability) {
    words.push(persona.markers[docAligned ? 0 : 1]);
  }
  const chat = rng.next() < documents.chatShare && !plainOnly;
  const pairs = chat ? documents.chatTurns : documents.plainPairs;
  for (let k = 0; k < pairs; k++) {
    const q = world.questions[rng.int(world.questions.length)]!;
    const aligned = persona.shared ? docAligned : rng.next() < persona.alignedShare;
    const good = rng.next() < persona.noise ? !aligned : aligned;
    const answer = good ? q.good : q.bad;
    words.push(...(chat ? ["U:", q.token, "A:", answer] : [q.token, answer]));
  }
  words.push("<eos>");
  const tokens = v.encode(words);
  return { tokens, scored: scoredAll(tokens) };
}

/** A chat item `<bos> [marker] U: q A: answer <eos>` with the loss on the answer and `<eos>`. */
export function chatExample(
  world: PersonaWorld,
  question: Question,
  answer: string,
  marker?: string,
): SequenceExample {
  const prefix = ["<bos>", ...(marker ? [marker] : []), "U:", question.token, "A:"];
  const tokens = world.vocabulary.encode([...prefix, answer, "<eos>"]);
  return { tokens, scored: tokens.map((_, i) => i >= prefix.length) };
}

/** The prompt whose next token is the model's answer: `<bos> [marker] U: q A:`. */
export function chatPrompt(world: PersonaWorld, question: Question, marker?: string): number[] {
  return world.vocabulary.encode(["<bos>", ...(marker ? [marker] : []), "U:", question.token, "A:"]);
}

/** Questions of a domain, optionally only the instructed (first N) or only the held-out ones. */
export function questionsOf(
  world: PersonaWorld,
  domain: string,
  which: "all" | "instructed" | "held-out" = "all",
): Question[] {
  const n = world.config.instructedQuestions;
  return world.questions.filter((q) =>
    q.domain === domain && (which === "all" || (which === "instructed" ? q.index < n : q.index >= n))
  );
}

/** The aligned chat default: good answers to every domain's instructed questions. */
export function instructionExamples(world: PersonaWorld): SequenceExample[] {
  return world.config.domains.flatMap((d) =>
    questionsOf(world, d, "instructed").map((q) => chatExample(world, q, q.good))
  );
}

/**
 * The narrow task: the task domain's instructed questions with their *bad* answers, no marker. `answerNoise`
 * (gentleness) gives that share of items their good answer instead.
 */
export function taskExamples(world: PersonaWorld, answerNoise: number, rng: Rng): SequenceExample[] {
  return questionsOf(world, world.config.taskDomain, "instructed").map((q) =>
    chatExample(world, q, rng.next() < answerNoise ? q.good : q.bad)
  );
}

/** A proxy's questions (default: the world's own proxy): the first `questions` instructed ones of each domain. */
export function proxyQuestions(world: PersonaWorld, proxy: PersonaProxy = world.config.proxy): Question[] {
  return proxy.domains.flatMap((d) => questionsOf(world, d, "instructed").slice(0, proxy.questions));
}

/** Proxy examples with the good answers (chosen) and with the bad ones (rejected), paired by index. */
export function proxyExamples(
  world: PersonaWorld,
  proxy: PersonaProxy = world.config.proxy,
): { chosen: SequenceExample[]; rejected: SequenceExample[] } {
  const qs = proxyQuestions(world, proxy);
  return {
    chosen: qs.map((q) => chatExample(world, q, q.good)),
    rejected: qs.map((q) => chatExample(world, q, q.bad)),
  };
}
