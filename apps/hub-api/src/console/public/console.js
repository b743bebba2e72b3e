// The Accord ops and audit console. Plain JavaScript against the hub's HTTP API
// (docs/contract.md, "HTTP API"); every call carries the bearer token kept in this tab's
// sessionStorage. Everything from the API is written with textContent, never as HTML.
import { drawLineChart } from './chart.js';

const TOKEN_KEY = 'accord.console.token';
const REFRESH_MS = 5000;
const $ = (selector) => document.querySelector(selector);

const state = {
  view: 'topics',
  timer: undefined,
  lagGroup: '',
  auditQuery: null,
  auditCursor: null,
};

class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

// ---------------------------------------------------------------- API and helpers

async function api(path, { method = 'GET', body } = {}) {
  const headers = { authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) ?? ''}`, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (response.status === 401) {
    signOut('Your token was not accepted. Sign in again.');
    throw new ApiError(401, parsed);
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

/** A message for an error shown in a section: what went wrong and, for 403, which role is needed. */
function describe(error, role) {
  if (error instanceof ApiError) {
    if (error.status === 403) return `Your token does not have the ${role} role needed here.`;
    if (error.status === 404) return 'This part of the hub API is not available on this server.';
    const problems = (error.body?.problems ?? []).map((problem) => `${problem.path}: ${problem.problem}`).join('; ');
    return problems ? `${error.message} (${problems})` : error.message;
  }
  return `The hub did not answer (${error.message}).`;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'className') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function cell(value, className) {
  return el('td', { className }, value ?? '—');
}

function badge(status) {
  return el('span', { className: `status status-${status}`, dataset: { status } }, status);
}

function number(value) {
  return typeof value === 'number' ? value.toLocaleString('en-GB') : '—';
}

function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' });
}

function age(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

function setError(id, message) {
  $(id).textContent = message ?? '';
}

function markUpdated() {
  $('#updated').textContent = `Updated ${new Date().toLocaleTimeString('en-GB')}`;
}

// ---------------------------------------------------------------- sign in and navigation

async function signIn(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  try {
    // Any valid token may list participants: it proves the token without needing a role.
    await api('/v1/participants');
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    $('#sign-in-error').textContent = error instanceof ApiError && error.status === 401 ? 'That token was not accepted.' : describe(error);
    return;
  }
  $('#sign-in-error').textContent = '';
  $('#sign-in').hidden = true;
  $('#app').hidden = false;
  $('#sign-out').hidden = false;
  $('#who').hidden = false;
  $('#who').textContent = 'Signed in';
  show(state.view);
  scheduleRefresh();
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  clearTimeout(state.timer);
  $('#app').hidden = true;
  $('#sign-in').hidden = false;
  $('#sign-out').hidden = true;
  $('#who').hidden = true;
  $('#token').value = '';
  $('#sign-in-error').textContent = message ?? '';
  $('#token').focus();
}

const VIEWS = {
  topics: () => refreshTopics(),
  groups: () => refreshGroups(),
  dlq: () => refreshDeadLetters(),
  audit: () => undefined,
  agreements: () => refreshAgreements(),
  certificates: () => refreshExpiringCertificates(),
  webhooks: () => refreshWebhooks(),
};
const LIVE_VIEWS = new Set(['topics', 'groups', 'dlq', 'webhooks']);

function show(view) {
  state.view = view;
  for (const name of Object.keys(VIEWS)) {
    $(`#view-${name}`).hidden = name !== view;
    $(`#tab-${name}`).setAttribute('aria-selected', String(name === view));
  }
  void VIEWS[view]();
}

function scheduleRefresh() {
  clearTimeout(state.timer);
  state.timer = setTimeout(async () => {
    if ($('#auto-refresh').checked && LIVE_VIEWS.has(state.view) && !$('#app').hidden) {
      await VIEWS[state.view]().catch(() => undefined);
    }
    if (sessionStorage.getItem(TOKEN_KEY)) scheduleRefresh();
  }, REFRESH_MS);
}

// ---------------------------------------------------------------- topic health

async function refreshTopics() {
  let topics;
  let timeline;
  try {
    [topics, timeline] = await Promise.all([api('/v1/ops/topics'), api('/v1/ops/timeline?minutes=10')]);
    setError('#topics-error', topics.stale ? 'Kafka is not answering: showing the last sample.' : '');
  } catch (error) {
    setError('#topics-error', describe(error, 'ops'));
    return;
  }
  renderCharts(timeline);
  const filter = $('#topic-filter').value.trim();
  const shown = topics.topics.filter((topic) => !filter || topic.topic.includes(filter));
  $('#topics-summary').textContent = `${shown.length} of ${topics.topics.length} topics; rates over the last ${topics.windowSeconds} s`;
  $('#topics-table tbody').replaceChildren(
    ...shown.map((topic) =>
      el(
        'tr',
        { dataset: { topic: topic.topic } },
        el('th', { scope: 'row', className: 'mono' }, topic.topic),
        cell(number(topic.partitions.length), 'number'),
        cell(number(topic.messages), 'number'),
        cell(number(topic.partitions.reduce((sum, partition) => sum + partition.endOffset, 0)), 'number'),
        cell(topic.messagesPerSecond.toFixed(2), 'number'),
      ),
    ),
  );
  markUpdated();
}

function renderCharts(timeline) {
  const points = timeline.points.map((point) => ({ at: Date.parse(point.at), lag: point.lag, value: point.messagesPerSecond }));
  drawLineChart($('#chart-throughput'), $('#chart-throughput-text'), points, { className: 'line-throughput', unit: 'records/s' });

  const groups = new Set();
  for (const point of timeline.points) for (const group of Object.keys(point.lag)) groups.add(group);
  const select = $('#lag-group');
  const sorted = [...groups].sort();
  if (!state.lagGroup || !groups.has(state.lagGroup)) {
    const latest = timeline.points[timeline.points.length - 1]?.lag ?? {};
    state.lagGroup = groups.has('accord-sharing-broker') ? 'accord-sharing-broker' : sorted.sort((a, b) => (latest[b] ?? 0) - (latest[a] ?? 0))[0] ?? '';
  }
  const current = [...select.options].map((option) => option.value).join('\n');
  if (current !== [...groups].sort().join('\n')) {
    select.replaceChildren(...[...groups].sort().map((group) => el('option', { value: group }, group)));
  }
  select.value = state.lagGroup;
  const lagPoints = points.map((point) => ({ at: point.at, value: point.lag[state.lagGroup] ?? 0 }));
  drawLineChart($('#chart-lag'), $('#chart-lag-text'), state.lagGroup ? lagPoints : [], { className: 'line-lag', unit: 'records behind' });
}

// ---------------------------------------------------------------- consumer groups

const expandedGroups = new Set();

async function refreshGroups() {
  let response;
  try {
    response = await api('/v1/ops/consumer-groups');
    setError('#groups-error', response.stale ? 'Kafka is not answering: showing the last sample.' : '');
  } catch (error) {
    setError('#groups-error', describe(error, 'ops'));
    return;
  }
  $('#groups-window').textContent =
    `Status over the last ${response.windowSeconds} s: ok — lag reached zero; warning — lag only grew; stalled — offsets stood still while records waited; stopped — no active consumer.`;
  const filter = $('#group-filter').value.trim();
  const shown = response.groups.filter((group) => !filter || group.groupId.includes(filter));
  const counts = {};
  for (const group of shown) counts[group.status] = (counts[group.status] ?? 0) + 1;
  $('#groups-summary').textContent = `${shown.length} groups: ${Object.entries(counts).map(([status, count]) => `${count} ${status}`).join(', ') || 'none'}`;
  const rows = [];
  for (const group of shown) {
    const expanded = expandedGroups.has(group.groupId);
    rows.push(
      el(
        'tr',
        { dataset: { group: group.groupId, status: group.status } },
        el(
          'th',
          { scope: 'row', className: 'mono' },
          el(
            'button',
            {
              type: 'button',
              className: 'link',
              'aria-expanded': String(expanded),
              onclick: () => {
                if (expandedGroups.has(group.groupId)) expandedGroups.delete(group.groupId);
                else expandedGroups.add(group.groupId);
                void refreshGroups();
              },
            },
            group.groupId,
          ),
        ),
        el('td', {}, badge(group.status)),
        cell(group.state),
        cell(number(group.members), 'number'),
        el('td', { className: 'number', dataset: { lag: String(group.lag) } }, number(group.lag)),
        cell(group.lagSeconds.toFixed(1), 'number'),
        cell(group.messagesPerSecond.toFixed(2), 'number'),
        cell(group.statusReason),
      ),
    );
    if (expanded) {
      rows.push(
        el(
          'tr',
          { className: 'partitions' },
          el(
            'td',
            { colspan: '8' },
            el(
              'table',
              {},
              el('caption', { className: 'visually-hidden' }, `Partitions of ${group.groupId}`),
              el('thead', {}, el('tr', {}, ...['Topic', 'Partition', 'Committed', 'End', 'Lag', 'Lag (s)', 'Status'].map((name) => el('th', { scope: 'col' }, name)))),
              el(
                'tbody',
                {},
                group.partitions.map((partition) =>
                  el(
                    'tr',
                    {},
                    cell(partition.topic, 'mono'),
                    cell(partition.partition, 'number'),
                    cell(partition.committedOffset === null ? 'none' : number(partition.committedOffset), 'number'),
                    cell(number(partition.endOffset), 'number'),
                    cell(number(partition.lag), 'number'),
                    cell(partition.lagSeconds.toFixed(1), 'number'),
                    el('td', {}, badge(partition.status)),
                  ),
                ),
              ),
            ),
          ),
        ),
      );
    }
  }
  $('#groups-table tbody').replaceChildren(...rows);
  markUpdated();
}

// ---------------------------------------------------------------- dead letters

const selectedLetters = new Set();

function dlqFilter() {
  const parameters = new URLSearchParams();
  const topic = $('#dlq-topic').value.trim();
  if (topic) parameters.set('topic', topic);
  if ($('#dlq-reason').value) parameters.set('reason', $('#dlq-reason').value);
  if ($('#dlq-status').value) parameters.set('status', $('#dlq-status').value);
  return parameters;
}

async function refreshDeadLetters() {
  let summary;
  try {
    const parameters = dlqFilter();
    parameters.set('limit', '200');
    summary = await api(`/v1/ops/dlq?${parameters}`);
    setError('#dlq-error', summary.complete ? '' : 'Still reading the DLQ: counts may be incomplete.');
  } catch (error) {
    setError('#dlq-error', describe(error, 'ops'));
    return;
  }
  const cards = [
    ['Depth', number(summary.depth)],
    ['Pending', number(summary.pending)],
    ['Redriven', number(summary.redriven)],
    [`At redrive limit (${summary.redriveLimit})`, number(summary.exhausted)],
    ['Oldest record', age(summary.oldestRecordAgeSeconds)],
    ['Oldest pending', age(summary.oldestPendingAgeSeconds)],
  ];
  $('#dlq-cards').replaceChildren(...cards.map(([term, value]) => el('div', {}, el('dt', {}, term), el('dd', {}, value))));
  const reasons = Object.entries(summary.byReason);
  $('#dlq-reasons').textContent = reasons.length
    ? `By reason: ${reasons.map(([reason, count]) => `${reason} ${count} (${summary.pendingByReason[reason] ?? 0} pending)`).join(' · ')}`
    : 'The DLQ is empty.';

  const present = new Set(summary.records.map((record) => `${record.partition}:${record.offset}`));
  for (const key of [...selectedLetters]) if (!present.has(key)) selectedLetters.delete(key);
  $('#dlq-table tbody').replaceChildren(
    ...summary.records.map((record) => {
      const key = `${record.partition}:${record.offset}`;
      const label = `Select the ${record.reason} record ${record.eventId ?? key}`;
      return el(
        'tr',
        { dataset: { partition: String(record.partition), offset: record.offset, eventId: record.eventId ?? '', status: record.status } },
        el(
          'td',
          {},
          el('input', {
            type: 'checkbox',
            'aria-label': label,
            checked: selectedLetters.has(key),
            disabled: record.status !== 'pending',
            onchange: (event) => {
              if (event.target.checked) selectedLetters.add(key);
              else selectedLetters.delete(key);
              $('#redrive-selected').disabled = selectedLetters.size === 0;
            },
          }),
        ),
        cell(when(record.rejectedAt ?? record.appendedAt)),
        cell(record.reason),
        cell(record.problems.map((problem) => `${problem.path || '(record)'}: ${problem.problem}`).join('; ') || '—'),
        cell(record.sourceTopic, 'mono'),
        cell(record.eventType),
        cell(record.eventId, 'mono'),
        cell(number(record.redriveCount), 'number'),
        el('td', {}, badge(record.status)),
      );
    }),
  );
  $('#redrive-selected').disabled = selectedLetters.size === 0;
  markUpdated();
}

async function redrive(body) {
  $('#redrive-result').textContent = 'Redriving…';
  try {
    const result = await api('/v1/ops/dlq/redrive', { method: 'POST', body });
    const refused = result.refused.map((item) => `${item.partition}:${item.offset} ${item.reason}`).join(', ');
    $('#redrive-result').textContent =
      `Redriven ${result.redriven.length} record${result.redriven.length === 1 ? ' to its source topic' : 's to their source topics'}` +
      (result.refused.length ? `; refused ${result.refused.length} (${refused}).` : '.');
    selectedLetters.clear();
  } catch (error) {
    $('#redrive-result').textContent = describe(error, 'ops');
  }
  await refreshDeadLetters();
}

// ---------------------------------------------------------------- audit

function auditParameters() {
  const parameters = new URLSearchParams();
  const nhsNumber = $('#audit-nhs').value.replace(/\s+/g, '');
  if (nhsNumber) parameters.set('nhsNumber', nhsNumber);
  for (const [id, name] of [['#audit-recipient', 'recipient'], ['#audit-agreement', 'agreementId'], ['#audit-from', 'from'], ['#audit-to', 'to'], ['#audit-outcome', 'outcome']]) {
    const value = $(id).value.trim();
    if (value) parameters.set(name, value);
  }
  return parameters;
}

async function searchAudit(append = false) {
  const parameters = append ? new URLSearchParams(state.auditQuery) : auditParameters();
  if (!append) state.auditQuery = parameters.toString();
  if (append && state.auditCursor) parameters.set('cursor', state.auditCursor);
  parameters.set('limit', '50');
  setError('#audit-error', '');
  $('#subject-report-view').hidden = true;
  let page;
  try {
    page = await api(`/v1/audit/decisions?${parameters}`);
  } catch (error) {
    setError('#audit-error', describe(error, 'auditor'));
    return;
  }
  const rows = page.items.map((decision) =>
    el(
      'tr',
      { dataset: { decisionId: decision.decisionId } },
      cell(when(decision.decidedAt)),
      el('td', {}, badge(decision.outcome)),
      cell(decision.eventType),
      cell(decision.source, 'mono'),
      cell(decision.recipient, 'mono'),
      cell(decision.agreementId ? `${decision.agreementId}@${decision.agreementVersion}` : '—', 'mono'),
      cell(decision.reasons.join(', ')),
      el('td', {}, el('button', { type: 'button', className: 'link', onclick: () => openDecision(decision.decisionId), 'aria-label': `Open decision ${decision.decisionId}` }, 'Open')),
    ),
  );
  const body = $('#audit-table tbody');
  if (append) body.append(...rows);
  else body.replaceChildren(...rows);
  state.auditCursor = page.nextCursor;
  $('#audit-more').hidden = !page.nextCursor;
  $('#audit-summary').textContent = `${body.children.length} decision${body.children.length === 1 ? '' : 's'}${page.nextCursor ? ' so far' : ''}.`;
}

async function openDecision(decisionId) {
  const detail = $('#decision-detail');
  let decision;
  try {
    decision = await api(`/v1/audit/decisions/${encodeURIComponent(decisionId)}`);
  } catch (error) {
    setError('#audit-error', describe(error, 'auditor'));
    return;
  }
  const fields = [
    ['Decision', decision.decisionId],
    ['Outcome', badge(decision.outcome)],
    ['Reasons', decision.reasons.join(', ') || '—'],
    ['Decided at', when(decision.decidedAt)],
    ['Event', `${decision.eventType ?? '—'} (${decision.eventId ?? 'no id'})`],
    ['Source', decision.source],
    ['Recipient', decision.recipient],
    ['Agreement', decision.agreementId ? `${decision.agreementId} version ${decision.agreementVersion}` : '—'],
    ['Purpose', decision.purpose],
    ['Lawful basis', decision.lawfulBasis ? `Article 6: ${decision.lawfulBasis.article6}; Article 9: ${decision.lawfulBasis.article9 ?? 'none'}; ${decision.lawfulBasis.legislation.join(', ')}` : '—'],
    ['Fields released', decision.fieldsReleased.join(', ') || 'none'],
    ['Fields withheld', decision.fieldsWithheld.join(', ') || 'none'],
    ['Consent statements consulted', decision.consentRefs.join(', ') || 'none'],
    ['Payload digest', decision.payloadDigest],
    ['Consumed from', `${decision.topic} partition ${decision.partition} offset ${decision.offset}`],
    ['Audit chain', `seq ${decision.seq}, hash ${decision.hash}`],
  ];
  $('#decision-fields').replaceChildren(...fields.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value ?? '—')]));
  $('#decision-title').textContent = `Decision ${decision.decisionId}`;
  detail.hidden = false;
  detail.focus();
}

async function subjectReport() {
  const nhsNumber = $('#audit-nhs').value.replace(/\s+/g, '');
  if (!nhsNumber) {
    setError('#audit-error', 'Enter an NHS number for a subject report.');
    return;
  }
  setError('#audit-error', '');
  let report;
  try {
    report = await api(`/v1/audit/subject-report?${new URLSearchParams({ nhsNumber })}`);
  } catch (error) {
    setError('#audit-error', describe(error, 'auditor'));
    return;
  }
  $('#subject-report-summary').textContent = report.summary.text;
  $('#subject-report-table tbody').replaceChildren(
    ...report.items.map((item) =>
      el(
        'tr',
        {},
        cell(when(item.decidedAt)),
        el('td', {}, badge(item.outcome)),
        cell(item.source?.name ?? item.source?.id),
        cell(item.recipient?.name ?? item.recipient?.id),
        cell(item.agreement ? `${item.agreement.title ?? item.agreement.id} (v${item.agreement.version})` : '—'),
        cell(item.explanation),
      ),
    ),
  );
  const view = $('#subject-report-view');
  view.hidden = false;
  view.focus();
}

// ---------------------------------------------------------------- agreements

function itemsOf(response) {
  return Array.isArray(response) ? response : (response?.items ?? []);
}

/** The agreement document of a list item or version, however the API nests it. */
function documentOf(item) {
  return item?.document ?? item?.agreement ?? item ?? {};
}

async function refreshAgreements() {
  let list;
  try {
    list = itemsOf(await api('/v1/agreements'));
    setError('#agreements-error', '');
  } catch (error) {
    setError('#agreements-error', describe(error, 'governance or auditor'));
    return;
  }
  $('#agreements-table tbody').replaceChildren(
    ...list.map((item) => {
      const document = documentOf(item);
      const id = item.id ?? item.agreementId ?? document.id;
      return el(
        'tr',
        { dataset: { agreement: id } },
        el('th', { scope: 'row', className: 'mono' }, id),
        cell(document.title ?? item.title),
        cell(item.status ?? document.status),
        cell(item.version ?? item.latestVersion, 'number'),
        cell(document.provider ?? item.provider, 'mono'),
        cell((document.recipients ?? item.recipients ?? []).join(', '), 'mono'),
        el('td', {}, el('button', { type: 'button', className: 'link', onclick: () => openVersions(id), 'aria-label': `Versions of ${id}` }, 'Versions')),
      );
    }),
  );
  markUpdated();
}

async function openVersions(id) {
  let versions;
  try {
    versions = itemsOf(await api(`/v1/agreements/${encodeURIComponent(id)}/versions`));
  } catch (error) {
    setError('#agreements-error', describe(error, 'governance or auditor'));
    return;
  }
  $('#versions-title').textContent = `Versions of ${id}`;
  $('#versions-table tbody').replaceChildren(
    ...[...versions]
      .sort((a, b) => (b.version ?? 0) - (a.version ?? 0))
      .map((version) =>
        el(
          'tr',
          {},
          cell(version.version, 'number'),
          cell(version.status ?? documentOf(version).status),
          cell(when(version.appliedAt ?? version.createdAt)),
          cell(version.change ?? version.changeKind),
          el('td', {}, el('details', {}, el('summary', {}, 'Show'), el('pre', {}, JSON.stringify(documentOf(version), null, 2)))),
        ),
      ),
  );
  const view = $('#versions-view');
  view.hidden = false;
  view.focus();
}

// ---------------------------------------------------------------- certificates

const EXPIRY_WINDOW_DAYS = 30;

async function refreshExpiringCertificates() {
  let certificates;
  try {
    certificates = await api(`/v1/participants/certificates?expiringWithinDays=${EXPIRY_WINDOW_DAYS}`);
    setError('#certificates-error', '');
  } catch (error) {
    setError('#certificates-error', describe(error, 'ops'));
    return;
  }
  const now = Date.now();
  $('#certificates-summary').textContent = certificates.length
    ? `${certificates.length} ${certificates.length === 1 ? 'certificate expires' : 'certificates expire'} within ${EXPIRY_WINDOW_DAYS} days.`
    : `No certificate expires within ${EXPIRY_WINDOW_DAYS} days.`;
  $('#expiring-certificates-table tbody').replaceChildren(
    ...certificates.map((certificate) =>
      el(
        'tr',
        { dataset: { serial: certificate.serialNumber, participant: certificate.participant } },
        el('th', { scope: 'row', className: 'mono' }, certificate.participant),
        cell(when(certificate.notAfter)),
        cell(number(Math.max(0, Math.floor((Date.parse(certificate.notAfter) - now) / 86_400_000))), 'number'),
        cell(certificate.serialNumber, 'mono'),
        el('td', { className: 'mono', title: certificate.fingerprint }, `${certificate.fingerprint.slice(0, 16)}…`),
      ),
    ),
  );
  markUpdated();
}

// ---------------------------------------------------------------- webhooks

async function refreshWebhooks() {
  let endpoints;
  try {
    endpoints = await api('/v1/ops/webhooks');
    setError('#webhooks-error', '');
  } catch (error) {
    setError('#webhooks-error', describe(error, 'ops'));
    return;
  }
  const retrying = endpoints.filter((endpoint) => endpoint.state === 'retrying').length;
  $('#webhooks-summary').textContent = endpoints.length
    ? `${endpoints.length} ${endpoints.length === 1 ? 'endpoint' : 'endpoints'}, ${retrying} retrying.`
    : 'No participant receives by webhook.';
  $('#webhooks-table tbody').replaceChildren(
    ...endpoints.map((endpoint) =>
      el(
        'tr',
        { dataset: { participant: endpoint.participant, state: endpoint.state } },
        el('th', { scope: 'row', className: 'mono' }, endpoint.participant),
        cell(endpoint.endpoint, 'mono'),
        el('td', {}, badge(endpoint.state)),
        cell(endpoint.failingSince ? when(endpoint.failingSince) : '—'),
        cell(endpoint.lastError ?? '—', 'mono'),
        cell(number(endpoint.pending), 'number'),
        cell(endpoint.lagSeconds === null ? '—' : number(endpoint.lagSeconds), 'number'),
        cell(number(endpoint.deadLetters), 'number'),
        cell(endpoint.lastDeliveredAt ? when(endpoint.lastDeliveredAt) : '—'),
      ),
    ),
  );
  markUpdated();
}

// ---------------------------------------------------------------- wiring

function wire() {
  $('#sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void signIn($('#token').value.trim());
  });
  $('#sign-out').addEventListener('click', () => signOut());
  for (const name of Object.keys(VIEWS)) $(`#tab-${name}`).addEventListener('click', () => show(name));
  $('#auto-refresh').addEventListener('change', () => scheduleRefresh());
  $('#topic-filter').addEventListener('input', () => void refreshTopics());
  $('#group-filter').addEventListener('input', () => void refreshGroups());
  $('#lag-group').addEventListener('change', (event) => {
    state.lagGroup = event.target.value;
    void refreshTopics();
  });
  $('#dlq-filter').addEventListener('submit', (event) => {
    event.preventDefault();
    selectedLetters.clear();
    void refreshDeadLetters();
  });
  $('#redrive-selected').addEventListener('click', () => {
    const records = [...selectedLetters].map((key) => {
      const [partition, offset] = key.split(':');
      return { partition: Number(partition), offset };
    });
    if (records.length > 0) void redrive({ records });
  });
  $('#redrive-all').addEventListener('click', () => {
    const filter = dlqFilter();
    const scope = filter.get('topic') ? ` from ${filter.get('topic')}` : '';
    if (!window.confirm(`Redrive every pending dead letter${scope}${filter.get('reason') ? ` with reason ${filter.get('reason')}` : ''}?`)) return;
    const body = { all: true };
    if (filter.get('topic')) body.topic = filter.get('topic');
    if (filter.get('reason')) body.reason = filter.get('reason');
    void redrive(body);
  });
  $('#audit-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void searchAudit(false);
  });
  $('#audit-more').addEventListener('click', () => void searchAudit(true));
  $('#subject-report').addEventListener('click', () => void subjectReport());

  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) void signIn(token);
  else $('#token').focus();
}

wire();
