import { App } from 'aws-cdk-lib';
import { defineServiceStacks } from './service-stacks.js';

// Stacks are environment-agnostic: the account and region come from the deploying credentials.
// The CLI synthesizes the app when this process exits.
defineServiceStacks(new App());
