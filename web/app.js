// The budgetd console: the district's budget at a glance, a department's
// tables and revisions, live.  Every figure shown is the API's decimal
// string, formatted as text; charts get Number(amount) for their geometry
// only (a bar's length), never for a figure a person reads or a sum.
'use strict';

const state = { year: null, names: { function: {}, economic: {} }, charts: {}, seq: 0 };

const SOURCES = {
  general_budget: '一般公共预算', fund_budget: '政府性基金预算', state_capital: '国有资本经营预算',
  special_account: '财政专户管理资金', business: '事业收入', operating: '事业单位经营收入',
  superior_subsidy: '上级补助收入', affiliated: '附属单位上缴收入', other: '其他收入', carryover: '上年结转',
};
const KINDS = {
  'basic.personnel': '基本支出·人员经费', 'basic.public': '基本支出·公用经费', 'basic.unsplit': '基本支出（未细分）',
  'project.operating': '项目支出·其他运转类', 'project.targeted': '项目支出·特定目标类', 'project.unsplit': '项目支出（未细分）',
};

// "1234567.80" → "1,234,567.80": the string's own digits, grouped.
function money(text) {
  if (typeof text !== 'string') return '';
  const [int, dec] = text.replace(/^-/, '').split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (text.startsWith('-') ? '-' : '') + grouped + (dec !== undefined ? '.' + dec : '');
}

// Tooltips are HTML: names come from the documents departments send, so
// they are escaped, never trusted.
function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function token() { return sessionStorage.getItem('budgetd-token') || ''; }

async function api(path) {
  const headers = token() ? { Authorization: 'Bearer ' + token() } : {};
  const res = await fetch(path, { headers });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) { showLogin(); throw new Error('unauthenticated'); }
  if (!res.ok || body.ok === false) throw new Error((body.error && body.error.message) || res.statusText);
  return body;
}

function showLogin() {
  document.getElementById('login').hidden = false;
  document.getElementById('overview').hidden = true;
  document.getElementById('department').hidden = true;
}

function status(text) { document.getElementById('status').textContent = text; }

function chart(id) {
  if (!state.charts[id]) state.charts[id] = echarts.init(document.getElementById(id));
  return state.charts[id];
}

function fname(code) { return state.names.function[code] || ''; }

// ---- the overview ----

function treemapData(rows) {
  const root = new Map();
  for (const r of rows) {
    const item = r.key['function:item'];
    const path = [item.slice(0, 3), item.slice(0, 5), item];
    let level = root, node;
    for (const code of path) {
      if (!level.has(code)) level.set(code, { code, children: new Map(), amounts: [] });
      node = level.get(code);
      node.amounts.push(r.amount);
      level = node.children;
    }
  }
  const toNode = (n) => ({
    name: (n.code + ' ' + fname(n.code)).trim(),
    // Geometry only: the area of the rectangle.
    value: n.amounts.reduce((a, s) => a + Number(s), 0),
    exact: n.amounts.length === 1 ? n.amounts[0] : null,
    children: n.children.size ? [...n.children.values()].map(toNode) : undefined,
  });
  return [...root.values()].map(toNode);
}

async function drawOverview() {
  const y = state.year;
  const [byItem, byDept, bySource, byKind, compare, depts] = await Promise.all([
    api(`/api/v1/totals?by=function:item&year=${y}&unit=元`),
    api(`/api/v1/totals?by=department&year=${y}&unit=元&sort=amount&limit=30`),
    api(`/api/v1/totals?by=source&year=${y}&unit=元`),
    api(`/api/v1/totals?by=kind&year=${y}&unit=元`),
    api(`/api/v1/totals?by=function:class&year=${y}&unit=元&change=true`),
    api(`/api/v1/departments?year=${y}`),
  ]);
  document.getElementById('total').textContent = money(byItem.total);
  document.getElementById('departments').textContent = String(depts.departments.length);
  const change = compare.previous_total && compare.previous_total !== '0.00'
    ? `${money(compare.total)} / 上年 ${money(compare.previous_total)}` : '上年无数据';
  document.getElementById('change').textContent = change;

  const exactTip = (p) => `${esc(p.name)}<br>${money(p.data.exact || (p.data.amount || ''))} 元`;
  chart('treemap').setOption({
    tooltip: { formatter: (p) => `${esc(p.name)}<br>${p.data.exact ? money(p.data.exact) + ' 元' : ''}` },
    series: [{ type: 'treemap', data: treemapData(byItem.rows), leafDepth: 1, roam: false,
               nodeClick: 'zoomToNode', breadcrumb: { show: true },
               label: { formatter: '{b}' }, upperLabel: { show: true, height: 22 } }],
  }, true);

  const names = new Map(depts.departments.map((d) => [d.code, d.name]));
  const deptRows = byDept.rows.slice().reverse();
  chart('bydept').setOption({
    tooltip: { formatter: exactTip },
    grid: { left: 260, right: 40 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', data: deptRows.map((r) => names.get(r.key.department) || r.key.department) },
    series: [{ type: 'bar', data: deptRows.map((r) => ({ value: Number(r.amount), amount: r.amount, code: r.key.department })) }],
  }, true);
  chart('bydept').off('click');
  chart('bydept').on('click', (p) => { location.hash = '#/dept/' + p.data.code; });

  const pie = (rows, dim, labels) => ({
    tooltip: { formatter: (p) => `${esc(p.name)}<br>${money(p.data.amount)} 元（${p.percent}%）` },
    series: [{ type: 'pie', radius: ['35%', '65%'],
               data: rows.map((r) => ({ name: labels[r.key[dim]] || r.key[dim], value: Number(r.amount), amount: r.amount })) }],
  });
  chart('sources').setOption(pie(bySource.rows, 'source', SOURCES), true);
  chart('kinds').setOption(pie(byKind.rows, 'kind', KINDS), true);

  chart('compare').setOption({
    tooltip: { trigger: 'axis', formatter: (ps) => ps.map((p) => `${esc(p.seriesName)} ${esc(p.name)}：${money(p.data.amount)} 元`).join('<br>') },
    legend: {},
    xAxis: { type: 'category', data: compare.rows.map((r) => r.key['function:class'] + ' ' + fname(r.key['function:class'])) },
    yAxis: { type: 'value' },
    series: [
      { name: `${y} 年`, type: 'bar', data: compare.rows.map((r) => ({ value: Number(r.amount), amount: r.amount })) },
      { name: `${y - 1} 年`, type: 'bar', data: compare.rows.map((r) => ({ value: Number(r.previous || '0'), amount: r.previous || '0.00' })) },
    ],
  }, true);
  status(`更新于 ${new Date().toLocaleTimeString('zh-CN')}`);
}

// ---- a department ----

function cell(row, text, num) {
  const td = document.createElement('td');
  td.textContent = text;
  if (num) td.className = 'num';
  row.appendChild(td);
}

function table(id, head, rows) {
  const t = document.getElementById(id);
  t.textContent = '';
  const h = t.insertRow();
  for (const name of head) { const th = document.createElement('th'); th.textContent = name; h.appendChild(th); }
  for (const r of rows) { const tr = t.insertRow(); r.forEach((v, i) => cell(tr, v, i >= head.length - r.numeric)); }
}

function lineTotal(l) {
  return l.total || (l.basic && l.basic.total) || (l.project && l.project.total) || '';
}

async function drawDepartment(code) {
  const shown = await api(`/api/v1/departments/${code}`);
  const doc = shown.document;
  document.getElementById('dept-title').textContent =
    `${doc.department.name}（${code}）· ${shown.year} 年 · 第 ${shown.revision} 次修订`;
  const rows = (doc.expenditure || []).map((l) => {
    const r = [l.function, l.name || fname(l.function), SOURCES[l.source || 'general_budget'] || l.source, money(lineTotal(l)) + ' ' + (doc.unit || '万元')];
    r.numeric = 1;
    return r;
  });
  table('dept-lines', ['功能科目', '科目名称', '资金来源', '合计'], rows);
  await drawFindings(code, shown.year);
  const history = await api(`/api/v1/departments/${code}/history?year=${shown.year}`);
  table('dept-history', ['修订', '收到时间', '结果', '序号'], history.history.map((h) => {
    const r = [h.revision ? String(h.revision) : '—', h.received_at || '', h.outcome || '', String(h.seq || '')];
    r.numeric = 0;
    return r;
  }));
  // Where the department's budget year stands (两上两下) and how it got
  // there: the case and its transitions, as the history op gives them.
  const STAGES = { proposal: '一上（建议数）', budget: '二上（预算）', adjustment: '预算调整' };
  const STATES = { none: '—', open: '已开启', submitted: '已报送', forwarded: '主管部门已审核', returned: '已退回', approved: '已批复' };
  const c = (history.cases || [])[0];
  document.getElementById('dept-case').textContent = c
    ? `${STAGES[c.stage] || c.stage}${c.round ? ' 第 ' + c.round + ' 次' : ''} · ${STATES[c.state] || c.state}` +
      ` · 第 ${c.revision} 次修订` + (c.approved_revision ? ` · 批复修订 ${c.approved_revision}` : '')
    : '尚未进入预算流程';
  table('dept-transitions', ['序号', '时间', '阶段', '从', '到', '修订', '操作人', '说明'],
    (history.transitions || []).map((t) => {
      const r = [String(t.seq), t.at || '', STAGES[t.stage] || t.stage, STATES[t.from] || t.from,
        STATES[t.to] || t.to, t.revision ? String(t.revision) : '—', t.actor || '',
        t.reason || (t.approval_number ? `${t.approval_number}（${t.approval_date}）` : '')];
      r.numeric = 0;
      return r;
    }));
  // The difference from the revision before, line by line, as the stored
  // documents print it (the strings compared, not floats).
  const diff = [];
  if (shown.revision > 1) {
    const before = (await api(`/api/v1/departments/${code}?year=${shown.year}&revision=${shown.revision - 1}`)).document;
    const key = (l) => l.function + '/' + (l.source || 'general_budget');
    const old = new Map((before.expenditure || []).map((l) => [key(l), lineTotal(l)]));
    const now = new Map((doc.expenditure || []).map((l) => [key(l), lineTotal(l)]));
    for (const k of new Set([...old.keys(), ...now.keys()])) {
      if (old.get(k) === now.get(k)) continue;
      const [f, s] = k.split('/');
      const r = [f, SOURCES[s] || s, money(old.get(k) || '—'), money(now.get(k) || '—')];
      r.numeric = 2;
      diff.push(r);
    }
  }
  table('dept-diff', ['功能科目', '资金来源', '上一修订', '本修订'], diff);
}

// The tables the findings' paths point into, as budgetctl validate groups
// them.
const TABLES = {
  expenditure: '支出预算表（支出明细）', income: '收入预算表', stated: '收支总表（列示的合计）',
  projects: '项目支出预算表', economic: '基本支出经济分类表', three_public: '“三公”经费预算表',
  narrative: '情况说明', department: '部门信息', previous_year: '上年数',
};

async function drawFindings(code, year) {
  const box = document.getElementById('dept-findings');
  box.textContent = '';
  let r;
  try { r = await api(`/api/v1/departments/${code}/findings?year=${year}`); } catch (e) { box.textContent = e.message; return; }
  const head = document.createElement('p');
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  head.textContent = `${r.received_at} · ${r.outcome === 'accepted' ? '通过' : '退回'} · 错误 ${errors} 条，警告 ${r.findings.length - errors} 条`;
  box.appendChild(head);
  const groups = new Map();
  for (const f of r.findings) {
    const table = (f.path || '').split(/[.[]/)[0];
    if (!groups.has(table)) groups.set(table, []);
    groups.get(table).push(f);
  }
  for (const [table, list] of groups) {
    const h = document.createElement('h4');
    h.textContent = TABLES[table] || table || '整体';
    box.appendChild(h);
    const ul = document.createElement('ul');
    for (const f of list) {
      const li = document.createElement('li');
      li.className = f.severity;
      li.textContent = `${f.severity === 'error' ? '错误' : '警告'} ${f.rule} ${f.path || ''}：${f.message}`;
      ul.appendChild(li);
    }
    box.appendChild(ul);
  }
}

// ---- navigation and live updates ----

async function route() {
  const m = location.hash.match(/^#\/dept\/(\d+)/);
  document.getElementById('login').hidden = true;
  document.getElementById('overview').hidden = !!m;
  document.getElementById('department').hidden = !m;
  try {
    if (m) await drawDepartment(m[1]);
    else { await drawOverview(); Object.values(state.charts).forEach((c) => c.resize()); }
  } catch (e) { status('出错：' + e.message); }
}

function live() {
  // EventSource cannot send a header: the credential goes as access_token,
  // which only the event stream accepts.
  const url = '/api/v1/events/stream' + (token() ? '?access_token=' + encodeURIComponent(token()) : '');
  const es = new EventSource(url);
  const dot = document.getElementById('live');
  es.onopen = () => dot.classList.add('on');
  es.onerror = () => dot.classList.remove('on');
  let pending = null;
  const redraw = () => {
    // A burst of submissions redraws once.
    clearTimeout(pending);
    pending = setTimeout(route, 150);
  };
  // The stream names each event by its kind: a revision moves the totals,
  // a transition of the budget year a department's state.
  for (const kind of ['revision.accepted', 'review.forwarded', 'review.returned',
    'review.approved', 'review.open', 'control.set']) es.addEventListener(kind, redraw);
}

async function start() {
  document.getElementById('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem('budgetd-token', document.getElementById('token').value.trim());
    start();
  });
  try {
    const years = await api('/api/v1/totals?by=year&unit=元');
    const list = years.rows.map((r) => Number(r.key.year)).sort((a, b) => b - a);
    const select = document.getElementById('year');
    select.textContent = '';
    for (const y of list) { const o = document.createElement('option'); o.value = o.textContent = y; select.appendChild(o); }
    state.year = list[0] || new Date().getFullYear();
    select.onchange = async () => { state.year = Number(select.value); await loadNames(); route(); };
    await loadNames();
  } catch (e) { if (e.message !== 'unauthenticated') status('出错：' + e.message); return; }
  document.getElementById('download').onclick = download;
  window.onhashchange = route;
  window.onresize = () => Object.values(state.charts).forEach((c) => c.resize());
  await route();
  // ?live=0: a still picture (printing, screenshots), no event stream.
  if (new URLSearchParams(location.search).get('live') !== '0') live();
  document.body.dataset.ready = 'true';
}

// The district workbook, built by the daemon (GET /api/v1/export): fetched
// with the credential, then saved under its own name.
async function download() {
  const headers = token() ? { Authorization: 'Bearer ' + token() } : {};
  const res = await fetch(`/api/v1/export?table=district&year=${state.year}`, { headers });
  if (!res.ok) { status('下载失败：' + res.status); return; }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = `district-${state.year}.xlsx`;
  a.click();
  URL.revokeObjectURL(url);
}

async function loadNames() {
  try { state.names = await api(`/api/v1/names?year=${state.year}`); } catch (e) { /* codes without names */ }
}

start();
