/** The query API's OpenAPI 3.1 description, served at /openapi.json (a unit test keeps it in step with the routes). */

const id = (what: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  description: what,
  schema: { type: 'string' },
});
const error = {
  description: 'refused or failed',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};
const refusals = {
  '400': error,
  '401': { ...error, description: 'no, expired or invalid bearer token' },
  '403': { ...error, description: 'a valid token without read rights (or naming another society)' },
  '429': { ...error, description: 'too many requests from this user; Retry-After says when to retry' },
  '503': { ...error, description: 'the catalogue, object store or token issuer is not reachable; retry' },
};
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const headline = {
  type: 'object',
  description: 'Key numbers of an analysis report (null where the report lacks them)',
  properties: {
    category: { type: ['string', 'null'], enum: ['typical', 'indeterminate', 'atypical', 'negative', null] },
    involvementPercent: { type: ['number', 'null'] },
    rightInvolvementPercent: { type: ['number', 'null'] },
    leftInvolvementPercent: { type: ['number', 'null'] },
    rightLungMl: { type: ['number', 'null'] },
    leftLungMl: { type: ['number', 'null'] },
    ggoMl: { type: ['number', 'null'] },
    consolidationMl: { type: ['number', 'null'] },
    severityTotal: { type: ['number', 'null'] },
    severityMax: { type: ['number', 'null'] },
    ctBand: { type: ['string', 'null'], description: 'MosMed-style CT-0..CT-4' },
    reasons: { type: 'array', items: { type: 'string' } },
  },
};

export const openapi = {
  openapi: '3.1.0',
  info: {
    title: 'mic query API',
    version: '1',
    description:
      'Read access to the de-identified national database: studies, analyses (report, engine versions) and their ' +
      'files (SEG, SR, NIfTI, pictures). Every call needs a Keycloak access token with audience mic-api. ' +
      'admin and researcher read every society; society-member reads its own society. Reads are audited. ' +
      "Another society's study answers 404.",
  },
  servers: [{ url: '/' }],
  security: [{ bearer: [] }],
  paths: {
    '/api/v1/me': {
      get: {
        summary: 'Who the token belongs to and what it may read',
        responses: { '200': json(ref('Me'), 'the caller'), ...refusals },
      },
    },
    '/api/v1/studies': {
      get: {
        summary: 'Studies, newest first, each with the headline of its latest analysis',
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
          { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
          { name: 'society', in: 'query', schema: { type: 'string' }, description: 'a member may name only its own' },
          {
            name: 'category',
            in: 'query',
            schema: { type: 'string', enum: ['typical', 'indeterminate', 'atypical', 'negative'] },
            description: 'RSNA category of the latest finished analysis',
          },
          {
            name: 'minInvolvement',
            in: 'query',
            schema: { type: 'number', minimum: 0, maximum: 100 },
            description: 'share of the lungs involved (%) in the latest finished analysis, at least',
          },
          {
            name: 'maxInvolvement',
            in: 'query',
            schema: { type: 'number', minimum: 0, maximum: 100 },
            description: 'the same, less than (exclusive)',
          },
        ],
        responses: { '200': json(ref('StudyPage'), 'one page of studies'), ...refusals },
      },
    },
    '/api/v1/studies/{id}': {
      get: {
        summary: 'A study by catalogue id or de-identified Study Instance UID: series, analyses, quarantined files',
        parameters: [id('catalogue id or Study Instance UID')],
        responses: { '200': json(ref('Study'), 'the study'), '404': error, ...refusals },
      },
    },
    '/api/v1/studies/{id}/series/{seriesId}': {
      get: {
        summary:
          "One series and its analyses, newest first: the Retrieve URL of a STOW-RS answer. A society's edge client reads here the results of what it uploaded",
        parameters: [
          id('catalogue id or de-identified Study Instance UID'),
          { name: 'seriesId', in: 'path', required: true, schema: { type: 'integer' } },
        ],
        responses: { '200': json(ref('SeriesResults'), 'the series'), '404': error, ...refusals },
      },
    },
    '/api/v1/analyses/{id}': {
      get: {
        summary: 'An analysis: status, full report, engine versions, stored files',
        parameters: [id('analysis id')],
        responses: { '200': json(ref('Analysis'), 'the analysis'), '404': error, ...refusals },
      },
    },
    '/api/v1/analyses/{id}/files/{name}': {
      get: {
        summary:
          'One stored file of an analysis (report.json, seg.dcm, sr.dcm, lungs.nii.gz, lesions.nii.gz, axial.png, coronal.png)',
        parameters: [id('analysis id'), { name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': { description: 'the bytes, with their media type and the sha256 as ETag' },
          '404': error,
          '502': { ...error, description: 'catalogued but missing from the object store' },
          ...refusals,
        },
      },
    },
    '/api/v1/export/results.csv': {
      get: {
        summary: 'The newest finished analysis of every series in scope, one CSV row each (research export)',
        parameters: [{ name: 'society', in: 'query', schema: { type: 'string' } }],
        responses: { '200': { description: 'text/csv', content: { 'text/csv': {} } }, ...refusals },
      },
    },
    '/api/v1/export/course.csv': {
      get: {
        summary:
          'One CSV row per follow-up CT in scope: each analysed study against the one before it of the same patient ' +
          '(interval, involvement before and after, changes, trend, reasons, warnings)',
        parameters: [{ name: 'society', in: 'query', schema: { type: 'string' } }],
        responses: { '200': { description: 'text/csv', content: { 'text/csv': {} } }, ...refusals },
      },
    },
    '/api/v1/studies/{id}/timeline': {
      get: {
        summary: "The study's trace: instances stored, job queued, analysis started and finished, SEG/SR sent",
        parameters: [id('catalogue id or de-identified Study Instance UID')],
        responses: {
          '200': json(ref('Timeline'), 'events oldest first, and durations per analysis'),
          '404': error,
          ...refusals,
        },
      },
    },
    '/api/v1/studies/{id}/course': {
      get: {
        summary:
          "The patient's studies oldest first, each follow-up compared with the one before: change in involvement, " +
          'GGO, consolidation and zone scores, and a trend (progression, regression, stable, mixed) with its reasons',
        parameters: [id('catalogue id or de-identified Study Instance UID')],
        responses: { '200': json(ref('Course'), "the patient's course"), '404': error, ...refusals },
      },
    },
    '/api/v1/usage': {
      get: {
        summary:
          'Per society: patients, studies, instances and bytes stored, quarantined files, analyses by status, turnaround',
        parameters: [
          { name: 'society', in: 'query', schema: { type: 'string' } },
          {
            name: 'days',
            in: 'query',
            description: 'window of the recent figures (default 30)',
            schema: { type: 'integer' },
          },
        ],
        responses: { '200': json(ref('Usage'), 'one entry per society in scope'), ...refusals },
      },
    },
    '/api/v1/stats': {
      get: {
        summary: 'Counts and means of the findings by group, with small-cell suppression (api.minCellSize patients)',
        parameters: [
          {
            name: 'by',
            in: 'query',
            description: 'comma list of society, category, ctBand',
            schema: { type: 'string' },
          },
          { name: 'society', in: 'query', schema: { type: 'string' } },
          { name: 'category', in: 'query', schema: { enum: ['typical', 'indeterminate', 'atypical', 'negative'] } },
          { name: 'minInvolvement', in: 'query', schema: { type: 'number', minimum: 0, maximum: 100 } },
          { name: 'maxInvolvement', in: 'query', description: 'exclusive', schema: { type: 'number' } },
        ],
        responses: { '200': json(ref('Stats'), 'the groups; hidden ones carry no numbers'), ...refusals },
      },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: {
      Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
      Me: {
        type: 'object',
        properties: {
          user: { type: 'string' },
          roles: { type: 'array', items: { type: 'string' } },
          society: { type: ['string', 'null'] },
          scope: { type: 'string', description: "'all' or the society read" },
        },
      },
      Headline: headline,
      Change: {
        type: 'object',
        description: 'prior, current and current - prior; null where a report lacks the number',
        properties: {
          prior: { type: ['number', 'null'] },
          current: { type: ['number', 'null'] },
          change: { type: ['number', 'null'] },
        },
      },
      Comparison: {
        type: 'object',
        properties: {
          fromStudy: { type: 'integer' },
          toStudy: { type: 'integer' },
          intervalDays: { type: ['integer', 'null'], description: 'from the (shifted) study dates' },
          trend: { type: 'string', enum: ['progression', 'regression', 'stable', 'mixed', 'not comparable'] },
          reasons: { type: 'array', items: { type: 'string' } },
          warnings: {
            type: 'array',
            description: 'what makes the two scans less alike: lung volume, slice spacing, engine version',
            items: { type: 'string' },
          },
          involvementPercent: ref('Change'),
          rightPercent: ref('Change'),
          leftPercent: ref('Change'),
          ggoMl: ref('Change'),
          consolidationMl: ref('Change'),
          consolidationShare: ref('Change'),
          severityTotal: ref('Change'),
          ctBand: { type: 'object' },
          category: { type: 'object' },
          zones: { type: 'array', items: { type: 'object' } },
        },
      },
      Course: {
        type: 'object',
        properties: {
          studyId: { type: 'integer' },
          society: { type: 'string' },
          patient: { type: 'string' },
          truncated: { type: 'boolean', description: 'more than 200 studies: the oldest 200 are listed' },
          order: { type: 'string' },
          studies: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'integer' },
                studyUid: { type: 'string' },
                studyDate: { type: ['string', 'null'] },
                description: { type: ['string', 'null'] },
                href: { type: 'string' },
                analysis: { type: ['object', 'null'], properties: { id: { type: 'integer' }, headline } },
              },
            },
          },
          changes: { type: 'array', items: ref('Comparison') },
          sincePrior: { oneOf: [ref('Comparison'), { type: 'null' }] },
        },
      },
      Timeline: {
        type: 'object',
        properties: {
          studyId: { type: 'integer' },
          events: {
            type: 'array',
            items: {
              type: 'object',
              required: ['at', 'event'],
              properties: {
                at: { type: 'string', format: 'date-time' },
                event: { type: 'string' },
                seriesUid: { type: 'string' },
                analysisId: { type: 'integer' },
                detail: { type: 'string' },
              },
            },
          },
          durations: {
            type: 'array',
            description: 'seconds; null where a step has not happened',
            items: {
              type: 'object',
              properties: {
                analysisId: { type: 'integer' },
                waitForCompleteS: { type: ['number', 'null'], description: 'last instance stored -> job queued' },
                queuedS: { type: ['number', 'null'] },
                analysisS: { type: ['number', 'null'] },
                writeBackS: { type: ['number', 'null'] },
                arrivalToResultS: { type: ['number', 'null'], description: 'last instance stored -> results sent' },
              },
            },
          },
        },
      },
      Usage: {
        type: 'object',
        properties: {
          days: { type: 'integer' },
          societies: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                society: { type: 'string' },
                patients: { type: 'integer' },
                studies: { type: 'integer' },
                instances: { type: 'integer' },
                storedBytes: { type: 'integer' },
                quarantined: { type: 'integer' },
                lastContribution: { type: ['string', 'null'] },
                analyses: { type: 'object', description: 'count by status' },
                recent: {
                  type: 'object',
                  description: 'analyses finished within the window; turnaround from job creation to results',
                  properties: {
                    done: { type: 'integer' },
                    failed: { type: 'integer' },
                    turnaroundMedianS: { type: ['number', 'null'] },
                    turnaroundP90S: { type: ['number', 'null'] },
                  },
                },
              },
            },
          },
        },
      },
      Stats: {
        type: 'object',
        properties: {
          unit: { type: 'string' },
          minCellSize: { type: 'integer' },
          by: { type: 'array', items: { type: 'string' } },
          filters: { type: 'object' },
          total: { type: ['object', 'null'], description: 'null when the whole selection is below minCellSize' },
          groups: {
            type: 'array',
            items: {
              type: 'object',
              required: ['key', 'suppressed'],
              properties: {
                key: { type: 'object', description: 'the group: a value per dimension in `by`' },
                suppressed: { type: 'boolean' },
                reason: { enum: ['small', 'complementary'], description: 'why a group is hidden' },
                patients: { type: 'integer' },
                analyses: { type: 'integer' },
                involvementMean: { type: ['number', 'null'] },
                involvementMedian: { type: ['number', 'null'] },
                ggoMlMean: { type: ['number', 'null'] },
                consolidationMlMean: { type: ['number', 'null'] },
              },
            },
          },
        },
      },
      StudyPage: {
        type: 'object',
        properties: {
          total: { type: 'integer' },
          limit: { type: 'integer' },
          offset: { type: 'integer' },
          studies: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'integer' },
                society: { type: 'string' },
                patient: { type: 'string', description: 'pseudonym' },
                studyUid: { type: 'string' },
                studyDate: { type: ['string', 'null'] },
                href: { type: 'string' },
                analysis: {
                  type: ['object', 'null'],
                  properties: {
                    id: { type: 'integer' },
                    status: { type: 'string' },
                    headline: ref('Headline'),
                    href: { type: 'string' },
                  },
                },
                sincePrior: {
                  type: ['object', 'null'],
                  description:
                    "against the patient's analysed study before this one (the course's rule); null without one",
                  properties: {
                    priorStudy: { type: 'integer' },
                    intervalDays: { type: ['integer', 'null'] },
                    trend: { type: 'string' },
                    involvementChange: { type: ['number', 'null'], description: 'percentage points' },
                    href: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
      Study: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          society: { type: 'string' },
          series: { type: 'array', items: { type: 'object' } },
          analyses: { type: 'array', items: ref('Analysis') },
          quarantined: { type: 'array', items: { type: 'object' } },
        },
      },
      SeriesResults: {
        type: 'object',
        properties: {
          studyId: { type: 'integer' },
          studyUid: { type: 'string' },
          series: {
            type: 'object',
            description:
              'de-identified series: UID, modality, plane, revision, selected or the reason it is not analysed',
          },
          analyses: { type: 'array', items: ref('Analysis') },
        },
      },
      Analysis: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          studyId: { type: 'integer' },
          seriesUid: { type: 'string', description: 'de-identified Series Instance UID' },
          analysisVersion: { type: 'string' },
          revision: { type: 'integer', description: "the series' revision: late instances make a new one" },
          status: { type: 'string', description: 'queued, running, retrying, done or failed' },
          error: { type: ['string', 'null'] },
          refused: {
            type: 'boolean',
            description:
              'failed because the engine refused the input (no lung, unreadable images): a replay cannot help',
          },
          versions: { type: ['object', 'null'] },
          report: { type: ['object', 'null'], description: 'the report.json of mic analyze' },
          headline: ref('Headline'),
          artifacts: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                kind: { type: 'string' },
                name: { type: 'string' },
                mediaType: { type: 'string' },
                sha256: { type: 'string' },
                href: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
};
