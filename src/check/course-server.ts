// The server under test is a course-layout folder (--impl course:DIR): each server it needs runs
// in our adapter tools/course_host.py, which runs the folder's ChatServer.CRCServer in its own
// process (so the adapter's /proc memory is the server's). The scenario and experiment runners
// place it by impl (a topology server with {course: DIR}); the hostile cases spawn it here.
import { courseDirProblem, type ImplSpec } from '../topology/impl-spec.ts';
import { COURSE_HOST, pythonPath } from '../placement/foreign.ts';
import { Child } from '../placement/child.ts';
import { type ServerUnderTest, type SpawnedServer, type ServerSpec, rssOf } from './server-under-test.ts';

/** Python start-up plus the folder's imports, on a loaded machine. */
const START_TIMEOUT_MS = 20_000;

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
  const child = new Child({
    label: `course:${dir} ${spec.name} (${spec.id})`, command: await pythonPath(),
    args: [COURSE_HOST, 'server', '--dir', dir, '--id', String(spec.id), '--servername', spec.name, '--info', spec.info, '--port', '0', '--exit-on-stdin-close'],
  });
  const [listen] = await child.waitForLines([/listening on ([^\s]+):(\d+)$/], START_TIMEOUT_MS).catch((err) => {
    child.kill();
    throw err;
  });
  const pid = child.process.pid!;
  return {
    port: Number(listen![2]), pid,
    alive: () => child.alive,
    exitInfo: () => child.exited,
    rssBytes: () => (child.alive ? rssOf(pid) : undefined),
    stderrTail: () => child.tail(),
    stop: async () => {
      child.kill('SIGTERM');
      await child.waitOrKill(5000);
    },
  };
}
