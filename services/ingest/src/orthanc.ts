import type { Config } from '@mic/config';
import { orthancAuthHeader, orthancUrl } from '@mic/pacs';

export interface OrthancChange {
  ChangeType: string;
  ID: string;
  ResourceType: string;
  Seq: number;
}

export interface ChangesPage {
  Changes: OrthancChange[];
  Done: boolean;
  Last: number;
}

export class OrthancError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'OrthancError';
  }
}

/** The few Orthanc REST calls ingest needs, with basic auth and a timeout on every call. */
export class OrthancClient {
  private readonly base: string;
  private readonly auth: string;

  constructor(
    config: Config,
    private readonly timeoutMs = 30_000,
  ) {
    this.base = orthancUrl(config);
    this.auth = orthancAuthHeader(config);
  }

  private async get(path: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        headers: { authorization: this.auth },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new OrthancError(`Orthanc at ${this.base} unreachable (${cause})`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new OrthancError(`Orthanc GET ${path}: HTTP ${res.status}`, res.status);
    }
    return res;
  }

  private async json<T>(path: string): Promise<T> {
    return (await (await this.get(path)).json()) as T;
  }

  changes(since: number, limit: number): Promise<ChangesPage> {
    return this.json(`/changes?since=${since}&limit=${limit}`);
  }

  /** The sequence number of the newest change. */
  async lastSeq(): Promise<number> {
    return (await this.json<ChangesPage>('/changes?last')).Last;
  }

  async studyInstanceIds(study: string): Promise<string[]> {
    const list = await this.json<{ ID: string }[]>(`/studies/${encodeURIComponent(study)}/instances`);
    return list.map((i) => i.ID).sort();
  }

  async parentStudy(instance: string): Promise<string> {
    return (await this.json<{ ID: string }>(`/instances/${encodeURIComponent(instance)}/study`)).ID;
  }

  async instanceFile(instance: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.get(`/instances/${encodeURIComponent(instance)}/file`)).arrayBuffer());
  }

  async system(): Promise<unknown> {
    return this.json('/system');
  }
}
