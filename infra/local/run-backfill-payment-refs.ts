import { documentClient } from '../../functions/dynamodb/client.js';
import { backfillPaymentRefs } from '../../functions/jobs/backfill-payment-refs.js';
import { localConfig } from './local-config.js';

/** `npm run backfill:payment-refs`: against the local table (DynamoDB Local on DYNAMODB_PORT). */
const config = localConfig();
const endpoint = process.env.DYNAMODB_ENDPOINT ?? `http://127.0.0.1:${config.DYNAMODB_PORT}`;
const db = documentClient({ tableName: config.TABLE_NAME, endpoint, region: process.env.AWS_REGION ?? 'us-east-1' });
backfillPaymentRefs(db, config.TABLE_NAME, {
  onPage: (p) => console.log(`scanned ${p.scanned}, wrote ${p.written} references`),
})
  .then(({ written }) => console.log(`done: ${written} payment references written`))
  .catch((e: unknown) => {
    console.error(`backfill failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
