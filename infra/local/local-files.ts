import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';

/** Where the local runtime keeps what AWS would keep elsewhere: events, outgoing mail, dead letters. */
export function localFiles(dataDir: string) {
  return {
    eventsLog: resolve(dataDir, 'events.jsonl'),
    outbox: resolve(dataDir, 'outbox'),
    deadLetters: resolve(dataDir, 'dead-letters.jsonl'),
    /** Webhook delivery messages the delivery handler failed on every receive (its own errors, not an endpoint's). */
    webhookDeadLetters: resolve(dataDir, 'webhook-dead-letters.jsonl'),
    /** Render jobs the renderer failed on every receive. */
    renderDeadLetters: resolve(dataDir, 'render-dead-letters.jsonl'),
  };
}

/** The local dead-letter queue keeps the whole record (AWS's keeps a pointer), so nothing is lost. */
export async function appendDeadLetter(file: string, record: DynamoDBRecord, error: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, `${JSON.stringify({ failedAt: new Date().toISOString(), error, record })}\n`);
}

/** A queue's dead letters (webhook deliveries, render jobs): the message (which delivery) and how often it was received. */
export async function appendWebhookDeadLetter(file: string, body: string, receiveCount: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await appendFile(
    file,
    `${JSON.stringify({ failedAt: new Date().toISOString(), receiveCount, message: JSON.parse(body) as unknown })}\n`,
  );
}
