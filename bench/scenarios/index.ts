import type { Scenario } from '../lib/scenario';
import { analyzerScenario } from './analyzer';
import { consumeScenario } from './consume';
import { endToEndScenario } from './end-to-end';
import { enrichScenario } from './enrich';
import { produceScenario } from './produce';
import { sinkEsScenario } from './sink-es';
import { sinkLokiScenario } from './sink-loki';

/**
 * Every scenario of `npm run bench`, in run order. To add one: write bench/scenarios/<name>.ts
 * exporting a Scenario (see bench/lib/scenario.ts; bench/lib/runner.ts does the warm-up,
 * repetitions, median and spread, and pairs ratios per round), then list it here.
 */
export const SCENARIOS: readonly Scenario[] = [produceScenario, consumeScenario, enrichScenario, sinkEsScenario, sinkLokiScenario, analyzerScenario, endToEndScenario];
