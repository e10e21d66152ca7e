// What the export is given, resolved: the experiment (loaded and checked by the experiment
// parser, so errors are the same as `npm run experiment`'s), or, with only a topology, one that
// boots it and checks convergence; and the document the Job will run: the file's own text (its
// topology is replaced by the config map's copy, see configmap.ts).
import { loadExperimentFile, parseExperiment } from '../experiment/parse.ts';
import { ExperimentError } from '../experiment/schema.ts';
import { resolveTopology } from '../topology/generate.ts';
import { readJsonFile } from '../util/json-file.ts';
import type { K8sExportInput } from './k8s.ts';
import { ExportError } from './model.ts';

export function k8sInput(o: { topology?: string; experiment?: string }): K8sExportInput {
  if (o.experiment !== undefined) {
    const source = o.experiment;
    const experiment = loadExperimentFile(source);
    const raw = readJsonFile(source, (m) => new ExperimentError(m)) as Record<string, unknown>;
    if (o.topology !== undefined) {
      const t = resolveTopology(o.topology);
      const shape = (x: typeof t) => JSON.stringify({ s: x.servers, c: x.clients });
      if (shape(t) !== shape(experiment.topology)) throw new ExportError(`--topology ${o.topology} is not the topology of ${source} (${experiment.topology.name}); leave --topology out to use the experiment's`);
    }
    return { experiment, experimentDoc: raw, source };
  }
  if (o.topology === undefined) throw new ExportError('give a topology, an experiment, or both');
  const t = resolveTopology(o.topology);
  const source = `(default experiment for ${o.topology})`;
  const name = `${t.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'topology'}-converge`;
  const experimentDoc = { name, description: 'Written by npm run export: boot the network and check it converges.', topology: t, timeline: [{ expect: 'converged', within: '30s' }] };
  return { experiment: parseExperiment(experimentDoc, source), experimentDoc, source };
}
