import { createRequire } from 'node:module';

type YamlModule = typeof import('yaml');
let loaded: YamlModule | undefined;

/**
 * The `yaml` package, loaded on first use: a fully cached `repro` reads its spec from the spec cache and its lock as
 * JSON, so it never pays the ~100 ms it takes to load the YAML parser.
 */
export function yaml(): YamlModule {
  loaded ??= createRequire(import.meta.url)('yaml') as YamlModule;
  return loaded;
}
