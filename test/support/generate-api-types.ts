import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { API_TYPES_FILE, generateApiTypes } from './api-types-source.js';

writeFileSync(resolve(import.meta.dirname, '../..', API_TYPES_FILE), await generateApiTypes());
console.log(`wrote ${API_TYPES_FILE}`);
