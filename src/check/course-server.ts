// The server under test is a course-layout folder (--impl course:DIR): each server it needs runs
// in our adapter tools/course_host.py, which runs the folder's ChatServer.CRCServer in its own
// process (so the adapter's /proc memory is the server's). The scenario and experiment runners
// place it by impl (a topology server with {course: DIR}); the hostile cases spawn it here.
import { courseDirProblem, type ImplSpec } from '../topology/impl-spec.ts';
import { COURSE_HOST, pythonPath } from '../placement/foreign.ts';
import { type ServerUnderTest, type SpawnedServer, type ServerSpec, spawnListening } from './server-under-test.ts';

export function courseServer(dir: string): ServerUnderTest {
  const problem = courseDirProblem(dir);
  if (problem) throw new Error(`--impl course:DIR: ${problem}`);
  const impl: ImplSpec = { course: dir };
  const convention = process.env.CRC_FIXTURE_CONVENTION;
  return {
    label: `course:${dir} (under tools/course_host.py${convention ? `; CRC_FIXTURE_CONVENTION=${convention}` : ''})`,
    placement: 'processes', impl,
    open() {}, close() {},
    spawn: (spec) => spawnCourseServer(dir, spec),
  };
}

/** One course server on a free port, its control API unused: the hostile cases talk to its port only. */
export async function spawnCourseServer(dir: string, spec: ServerSpec): Promise<SpawnedServer> {
  return spawnListening(`course:${dir} ${spec.name} (${spec.id})`, await pythonPath(), [COURSE_HOST, 'server', '--dir', dir], spec);
}
