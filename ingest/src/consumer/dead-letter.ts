import type { KafkaMessage, Message, Producer } from "kafkajs";
import { ACKS_ALL } from "../kafka/producer.js";
import type { DecodeFailure } from "./decode-message.js";

/** Why a message left the pipeline: it could not be decoded, or ClickHouse refused its row. */
export type DeadLetterReason = DecodeFailure | "insert_rejected";

/** Header names on dead-lettered messages; the value and key are the original bytes, untouched. */
export const DLQ_HEADERS = {
  reason: "x-dlq-reason",
  error: "x-dlq-error",
  topic: "x-dlq-original-topic",
  partition: "x-dlq-original-partition",
  offset: "x-dlq-original-offset",
  failedAt: "x-dlq-failed-at",
} as const;

const MAX_ERROR_CHARS = 2000;

export interface DeadLetter {
  message: KafkaMessage;
  topic: string;
  partition: number;
  reason: DeadLetterReason;
  error: string;
}

export function toDeadLetterMessage(letter: DeadLetter, failedAt = new Date()): Message {
  return {
    key: letter.message.key,
    value: letter.message.value,
    headers: {
      ...letter.message.headers,
      [DLQ_HEADERS.reason]: letter.reason,
      [DLQ_HEADERS.error]: letter.error.slice(0, MAX_ERROR_CHARS),
      [DLQ_HEADERS.topic]: letter.topic,
      [DLQ_HEADERS.partition]: String(letter.partition),
      [DLQ_HEADERS.offset]: letter.message.offset,
      [DLQ_HEADERS.failedAt]: failedAt.toISOString(),
    },
  };
}

/** Resolves once the DLQ holds the letters durably; only then may their offsets be committed. */
export async function sendDeadLetters(producer: Producer, dlqTopic: string, letters: DeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  await producer.send({ topic: dlqTopic, acks: ACKS_ALL, messages: letters.map((letter) => toDeadLetterMessage(letter)) });
}
