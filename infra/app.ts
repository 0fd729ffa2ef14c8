import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { defineServiceStacks } from './service-stacks.js';

const app = new App();
// Every synthesis (cdk synth, cdk deploy) runs cdk-nag's AWS Solutions checks: a finding that is
// neither fixed nor acknowledged with a reason (infra/nag-suppressions.ts) fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
// Stacks are environment-agnostic: the account and region come from the deploying credentials.
// The CLI synthesizes the app when this process exits.
defineServiceStacks(app);
