import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { build, toJavaScript } from '../../scripts/build.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

describe('the build npm start runs', () => {
  test('erases types in place and points relative .ts imports at .js, nothing else', () => {
    const source = [
      "import { a, type B } from './a.ts'",
      "import type { C } from '../c.ts'",
      "export { d } from './d/e.ts'",
      "import './side-effect.ts'",
      "import { Keyv } from 'keyv'",
      "const f = (x: number): string => String(x) // 'not.ts'",
      "const { g } = await import('./g.ts')",
      "const label = 'from ./h.ts'",
    ].join('\n')
    const output = toJavaScript(source)
    expect(output.split('\n')).toHaveLength(8)
    expect(output).toContain("from './a.js'")
    expect(output).toContain("from './d/e.js'")
    expect(output).toContain("import './side-effect.js'")
    expect(output).toContain("from 'keyv'")
    expect(output).toContain("await import('./g.js')")
    expect(output).toContain("'from ./h.ts'")
    expect(output).toContain('const f = (x        )         => String(x)')
    expect(output).not.toContain('../c.ts')
  })

  test('every module of src/ loads as JavaScript with type stripping turned off', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-build-'))
    try {
      const turned = build(join(ROOT, 'src'), join(dir, 'src'))
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
      const modules = (readdirSync(join(dir, 'src'), { recursive: true }) as string[])
        // The browser scripts a page serves (console/static/) are copied as they are, not turned.
        .filter((file) => file.endsWith('.js') && !file.split('/').includes('static'))
        .map((file) => join(dir, 'src', file))
      expect(modules).toHaveLength(turned)
      // The console's and the doctor's entries run (and exit) on import; every other module only defines things.
      const entries = ['app/console.js', 'app/doctor-main.js']
      const libraries = modules.filter((file) => !entries.some((entry) => file.endsWith(entry)))
      expect(JSON.parse(readFileSync(join(dir, 'src/models.json'), 'utf8'))).toBeTruthy()
      const script = `for (const m of ${JSON.stringify(libraries)}) await import(m); console.log('loaded')`
      const out = execFileSync(
        process.execPath,
        ['--no-experimental-strip-types', '--input-type=module', '-e', script],
        { cwd: dir, encoding: 'utf8' },
      )
      expect(out.trim()).toBe('loaded')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
