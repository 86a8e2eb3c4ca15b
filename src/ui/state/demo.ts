// The embedded demo: public/demo/demo.json lists the models and the batch; everything is fetched
// from the app's own origin, relative to the page (the app may live in a sub-folder).
import type { NamedBlob } from '../../worker/client';
import type { DemoList, DemoModel } from './types';

function demoBase(): URL {
  return new URL('demo/', document.baseURI);
}

async function get(url: URL, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch {
    throw new Error(`${what} (${url.pathname}) could not be fetched`);
  }
  if (!res.ok) throw new Error(`${what} (${url.pathname}) answered ${res.status} ${res.statusText}`.trim());
  return res;
}

export async function fetchDemoList(): Promise<DemoList> {
  const res = await get(new URL('demo.json', demoBase()), 'the demo list');
  const json = (await res.json()) as DemoList;
  if (!Array.isArray(json.models) || !json.batch?.path)
    throw new Error('demo.json lists no models or no batch');
  return json;
}

/** model.json, its shards (from its manifest) and the batch, named "<id>/<file>". */
export async function fetchDemoFiles(list: DemoList, model: DemoModel): Promise<NamedBlob[]> {
  const base = demoBase();
  const jsonUrl = new URL(model.path, base);
  const jsonBlob = await (await get(jsonUrl, `${model.name} model.json`)).blob();
  const manifest = JSON.parse(await jsonBlob.text()) as { weightsManifest?: { paths: string[] }[] };
  const paths = (manifest.weightsManifest ?? []).flatMap((g) => g.paths);
  const batchUrl = new URL(list.batch.path, base);
  const [shards, batch] = await Promise.all([
    Promise.all(
      paths.map(async (p) => ({
        name: `${model.id}/${p}`,
        blob: await (await get(new URL(p, jsonUrl), p)).blob(),
      })),
    ),
    get(batchUrl, 'the demo batch').then((r) => r.blob()),
  ]);
  return [
    { name: `${model.id}/model.json`, blob: jsonBlob },
    ...shards,
    { name: list.batch.path.split('/').pop() ?? 'batch.npz', blob: batch },
  ];
}

/** The demo's training split (one .npz), or nothing when demo.json lists none. */
export async function fetchDemoTraining(list: DemoList): Promise<NamedBlob[]> {
  if (!list.train?.path) return [];
  const blob = await (await get(new URL(list.train.path, demoBase()), 'the demo training set')).blob();
  return [{ name: list.train.path.split('/').pop() ?? 'train.npz', blob }];
}

/** The demo model's initial weights (model.json and its shards), or nothing when it has none. */
export async function fetchDemoInit(model: DemoModel): Promise<NamedBlob[]> {
  if (!model.initPath) return [];
  const jsonUrl = new URL(model.initPath, demoBase());
  const jsonBlob = await (await get(jsonUrl, `${model.name} initial weights`)).blob();
  const manifest = JSON.parse(await jsonBlob.text()) as { weightsManifest?: { paths: string[] }[] };
  const paths = (manifest.weightsManifest ?? []).flatMap((g) => g.paths);
  const shards = await Promise.all(
    paths.map(async (p) => ({
      name: `${model.id}/init/${p}`,
      blob: await (await get(new URL(p, jsonUrl), p)).blob(),
    })),
  );
  return [{ name: `${model.id}/init/model.json`, blob: jsonBlob }, ...shards];
}
