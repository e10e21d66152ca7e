// An experiment file checked completely before anything starts: its shape (schema.ts, toxic
// specs by the toxic registry), its topology resolved, and every reference in it against that
// topology. Every issue is reported, each naming the file, the path and the field.
import { resolveTopology } from '../topology/generate.ts';
import { type Topology, TopologyError, checkTopology } from '../topology/schema.ts';
import { readJsonFile } from '../util/json-file.ts';
import { type Checked, type Issue, fromZod, under, valueOrThrow } from '../util/zod-issues.ts';
import { referenceIssues } from './references.ts';
import { type Experiment, type ExperimentDoc, ExperimentError, ExperimentSchema } from './schema.ts';

/** A generator spec or a path (resolved as `npm start --topology` does), or an inline topology. */
function topologyOf(spec: ExperimentDoc['topology']): Checked<Topology> {
  if (typeof spec !== 'string') {
    const r = checkTopology(spec);
    return 'issues' in r ? { issues: under(['topology'], r.issues) } : r;
  }
  try {
    return { value: resolveTopology(spec) };
  } catch (err) {
    if (!(err instanceof TopologyError)) throw err;
    // A topology file's own issues come one a line, each naming that file.
    return { issues: (err as Error).message.split('\n').map((message): Issue => ({ path: ['topology'], message })) };
  }
}

function checkExperiment(doc: unknown): Checked<Experiment> {
  const r = ExperimentSchema.safeParse(doc);
  if (!r.success) return { issues: fromZod(r.error.issues) };
  const topology = topologyOf(r.data.topology);
  if ('issues' in topology) return topology;
  const issues = referenceIssues(r.data, topology.value);
  if (issues.length) return { issues };
  // The experiment's liveness overrides its topology's: the simulation reads the topology's.
  const liveness = r.data.liveness ?? topology.value.liveness;
  return { value: { ...r.data, topology: liveness === undefined ? topology.value : { ...topology.value, liveness } } };
}

/** Check an experiment document; `file` names it in errors. Throws ExperimentError listing every issue. */
export function parseExperiment(doc: unknown, file: string): Experiment {
  return valueOrThrow(checkExperiment(doc), file, (m) => new ExperimentError(m));
}

export function loadExperimentFile(path: string): Experiment {
  return parseExperiment(readJsonFile(path, (m) => new ExperimentError(m)), path);
}
