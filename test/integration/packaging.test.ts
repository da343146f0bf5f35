import { spawnSync } from 'node:child_process';
import { PROJECT_ROOT } from '../support/testGateway';

describe('Packaging: install scripts', () => {
  it('every dependency install script is decided in allowScripts, and none is needed', () => {
    // `npm ci` warns about, and skips, every install script allowScripts does not cover; the
    // README says none runs and none is needed, so none may be left undecided.
    const listed = spawnSync('npm', ['install-scripts', 'ls'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(listed.status).toBe(0);
    expect(`${listed.stdout}${listed.stderr}`).not.toMatch(/not yet covered by allowScripts/);
    // msgpackr-extract (through bullmq's msgpackr) is denied: its prebuilt binary for this platform
    // is an optional package of its own, loaded without any install script.
    const native = spawnSync(
      process.execPath,
      ['-e', "process.stdout.write(String(require('msgpackr').isNativeAccelerationEnabled))"],
      { cwd: PROJECT_ROOT, encoding: 'utf8' },
    );
    expect(native.stdout).toBe('true');
  }, 90_000);
});
