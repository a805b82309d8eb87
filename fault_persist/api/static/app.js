/*
 * The Activity Log page of fault_persist: the request log, its tasks and
 * the faults, read from the HTTP API of the same server (/v1/...).
 *
 * Plain JavaScript, no framework, nothing fetched from elsewhere. Every
 * text that comes from the API is inserted with textContent (never
 * innerHTML), so a message cannot become markup.
 *
 * URL query parameters the page reads:
 *   project, user, roles  the noauth identity (X-Project-Id, X-User-Id,
 *                         X-Roles), used only when the server says
 *                         auth_strategy = noauth;
 *   refresh               auto-refresh period in seconds (default 30;
 *                         0 starts paused).
 */
(function () {
  'use strict';

  var STATUSES = {
    1000: {name: 'Started', css: 'started',
           hint: '1000 Started: the task began and is running'},
    1001: {name: 'Completed', css: 'completed',
           hint: '1001 Completed: the task completed successfully'},
    1002: {name: 'Failed', css: 'failed',
           hint: '1002 Failed: the task failed'}
  };
  var DEFAULT_REFRESH_SECONDS = 30;

  var query = new URLSearchParams(window.location.search);
  var state = {
    noauth: false,
    identity: {
      project: query.get('project') || '',
      user: query.get('user') || '',
      roles: query.get('roles') || ''
    },
    refreshSeconds: readRefresh(query.get('refresh')),
    refreshTimer: null,
    paused: false,
    view: 'log',
    lastFocus: null,
    taskId: null,
    taskMarker: null
  };

  function readRefresh(value) {
    if (value === null || value === '') {
      return DEFAULT_REFRESH_SECONDS;
    }
    var seconds = Number(value);
    return isFinite(seconds) && seconds >= 0 ? seconds : DEFAULT_REFRESH_SECONDS;
  }

  function $(id) {
    return document.getElementById(id);
  }

  /* Elements ------------------------------------------------------------ */

  /** An element with attributes and children (strings become text). */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) {
        return;
      }
      if (name === 'text') {
        node.textContent = String(value);
      } else if (name === 'className') {
        node.className = value;
      } else if (name.slice(0, 2) === 'on') {
        node.addEventListener(name.slice(2), value);
      } else {
        node.setAttribute(name, value === true ? '' : String(value));
      }
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) {
        return;
      }
      node.appendChild(typeof child === 'string' ?
                       document.createTextNode(child) : child);
    });
    return node;
  }

  function cell(label, content, className) {
    var td = el('td', {'data-label': label, className: className || null});
    if (content instanceof Node) {
      td.appendChild(content);
    } else {
      td.textContent = content === null || content === undefined ? '' :
        String(content);
    }
    return td;
  }

  function statusLabel(status) {
    var known = STATUSES[status];
    if (!known) {
      return el('span', {className: 'label label-unknown',
                         text: String(status)});
    }
    // The meaning on hover (title) and for screen readers (aria-label).
    return el('span', {className: 'label label-' + known.css,
                       title: known.hint, 'aria-label': known.hint,
                       'data-status': status},
              [String(status) + ' ' + known.name]);
  }

  function taskButton(taskId) {
    if (taskId === null || taskId === undefined) {
      return '';
    }
    return el('button', {type: 'button', className: 'link task-link',
                         'data-task-id': taskId,
                         'aria-label': 'Show task ' + taskId,
                         onclick: function () { openTask(taskId); }},
              [String(taskId)]);
  }

  /* Times --------------------------------------------------------------- */

  var zoneName = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  // Digits in ISO order whatever the locale; the zone's short name in the
  // reader's locale ("CEST" in en-GB, "GMT+2" where no name is known).
  var partsFormat = new Intl.DateTimeFormat('en-CA', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit',
    minute: '2-digit', second: '2-digit', hourCycle: 'h23'
  });
  var zoneFormat = new Intl.DateTimeFormat(undefined, {timeZoneName: 'short'});

  function zoneLabel(date) {
    var zone = zoneFormat.formatToParts(date).filter(function (part) {
      return part.type === 'timeZoneName';
    })[0];
    return zone ? zone.value : '';
  }

  /** "2026-05-04 12:00:00 CEST": an API time in the browser's zone. */
  function localTime(iso) {
    if (!iso) {
      return '';
    }
    var date = new Date(iso);
    if (isNaN(date.getTime())) {
      return String(iso);
    }
    var parts = {};
    partsFormat.formatToParts(date).forEach(function (part) {
      parts[part.type] = part.value;
    });
    return parts.year + '-' + parts.month + '-' + parts.day + ' ' +
      parts.hour + ':' + parts.minute + ':' + parts.second + ' ' +
      zoneLabel(date);
  }

  function timeElement(iso) {
    return el('time', {datetime: iso, title: iso ? iso + ' (UTC)' : null,
                       text: localTime(iso)});
  }

  /** A datetime-local value (the browser's zone) as UTC ISO 8601. */
  function toUtc(value) {
    if (!value) {
      return '';
    }
    var date = new Date(value);
    if (isNaN(date.getTime())) {
      return '';
    }
    return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) {
      return '';
    }
    var total = Math.round(seconds);
    var days = Math.floor(total / 86400);
    var hours = Math.floor(total % 86400 / 3600);
    var minutes = Math.floor(total % 3600 / 60);
    var rest = total % 60;
    var words = [];
    if (days) { words.push(days + ' d'); }
    if (hours) { words.push(hours + ' h'); }
    if (minutes) { words.push(minutes + ' min'); }
    if (rest || !words.length) { words.push(rest + ' s'); }
    return words.join(' ');
  }

  /* The API ------------------------------------------------------------- */

  function ApiError(status, title, message) {
    this.status = status;
    this.title = title;
    this.message = message;
  }
  ApiError.prototype.toString = function () {
    return this.status + ' ' + this.title + ': ' + this.message;
  };

  function headers(extra) {
    var sent = Object.assign({}, extra || {});
    if (state.noauth) {
      if (state.identity.project) { sent['X-Project-Id'] = state.identity.project; }
      if (state.identity.user) { sent['X-User-Id'] = state.identity.user; }
      if (state.identity.roles) { sent['X-Roles'] = state.identity.roles; }
    }
    return sent;
  }

  function url(path, params) {
    var search = new URLSearchParams();
    Object.keys(params || {}).forEach(function (name) {
      var value = params[name];
      if (value !== null && value !== undefined && value !== '') {
        search.set(name, value);
      }
    });
    var text = search.toString();
    return path + (text ? '?' + text : '');
  }

  async function failure(response) {
    var title = response.statusText || 'Error';
    var message = '';
    try {
      var body = await response.json();
      if (body && body.error) {
        title = body.error.title || title;
        message = body.error.message || '';
      }
    } catch (ignored) {
      message = 'The server answered without an error document.';
    }
    return new ApiError(response.status, title, message);
  }

  async function request(path, params, extraHeaders) {
    var response;
    try {
      response = await fetch(url(path, params), {
        headers: headers(Object.assign({Accept: 'application/json'},
                                       extraHeaders || {})),
        credentials: 'same-origin'
      });
    } catch (error) {
      throw new ApiError(0, 'Unreachable', 'The server did not answer (' +
                         error.message + ').');
    }
    if (!response.ok) {
      throw await failure(response);
    }
    return response;
  }

  async function getJson(path, params) {
    return (await request(path, params)).json();
  }

  /** The marker of the "next" link of a list, or null. */
  function nextMarker(links) {
    var next = (links || []).filter(function (link) {
      return link.rel === 'next';
    })[0];
    if (!next || !next.href) {
      return null;
    }
    return new URL(next.href, window.location.href).searchParams.get('marker');
  }

  function showAlert(target, error) {
    var box = $(target);
    if (!error) {
      box.hidden = true;
      box.textContent = '';
      return;
    }
    box.textContent = error instanceof ApiError ? error.toString() :
      String(error);
    box.hidden = false;
  }

  /* Search forms -------------------------------------------------------- */

  var TIME_FIELDS = ['since', 'before'];

  function formFilters(form) {
    var filters = {};
    new FormData(form).forEach(function (value, name) {
      value = String(value).trim();
      if (!value || name === 'limit') {
        return;
      }
      filters[name] = TIME_FIELDS.indexOf(name) >= 0 ? toUtc(value) : value;
    });
    return filters;
  }

  function formLimit(form) {
    return form.elements.limit.value;
  }

  /* A paged list: markers of the pages seen, for "previous". ------------ */

  function Pager(options) {
    this.options = options;
    this.filters = {};
    this.markers = [null];
    this.next = null;
    var self = this;
    $(options.prev).addEventListener('click', function () { self.previous(); });
    $(options.next).addEventListener('click', function () { self.forward(); });
  }

  Pager.prototype.search = function (filters) {
    this.filters = filters;
    this.markers = [null];
    return this.load();
  };

  Pager.prototype.forward = function () {
    if (this.next) {
      this.markers.push(this.next);
      return this.load();
    }
  };

  Pager.prototype.previous = function () {
    if (this.markers.length > 1) {
      this.markers.pop();
      return this.load();
    }
  };

  Pager.prototype.load = async function () {
    var options = this.options;
    var params = Object.assign({}, this.filters, {
      limit: formLimit($(options.form)),
      marker: this.markers[this.markers.length - 1]
    });
    var table = $(options.table);
    table.setAttribute('aria-busy', 'true');
    try {
      var body = await getJson(options.path, params);
      showAlert('alert', null);
      this.next = nextMarker(body[options.key + '_links']);
      options.render(body[options.key] || []);
      this.show();
    } catch (error) {
      showAlert('alert', error);
    } finally {
      table.removeAttribute('aria-busy');
    }
  };

  Pager.prototype.show = function () {
    var options = this.options;
    $(options.prev).disabled = this.markers.length < 2;
    $(options.next).disabled = !this.next;
    $(options.page).textContent = 'Page ' + this.markers.length;
  };

  /* The request log ----------------------------------------------------- */

  function entryRow(entry) {
    var tr = el('tr', {'data-entry-id': entry.id});
    tr.appendChild(cell('Date and time', timeElement(entry.created), 'nowrap'));
    tr.appendChild(cell('Request', entry.req));
    tr.appendChild(cell('User', entry.user));
    tr.appendChild(cell('IP', entry.ip));
    tr.appendChild(cell('Status', statusLabel(entry.status)));
    tr.appendChild(cell('App', entry.app));
    tr.appendChild(cell('Task', taskButton(entry.task_id)));
    tr.appendChild(cell('Message', entry.message, 'message'));
    return tr;
  }

  function renderEntries(tbodyParent, emptyId, entries) {
    var tbody = tbodyParent.querySelector('tbody');
    tbody.replaceChildren.apply(tbody, entries.map(entryRow));
    if (emptyId) {
      $(emptyId).hidden = entries.length > 0;
    }
  }

  var log = new Pager({
    path: '/v1/request-log', key: 'entries', form: 'log-search',
    table: 'log-table', prev: 'log-prev', next: 'log-next', page: 'log-page',
    render: function (entries) {
      renderEntries($('log-table'), 'log-empty', entries);
      $('log-updated').textContent = 'Updated ' +
        localTime(new Date().toISOString());
    }
  });

  async function download() {
    var button = $('log-download');
    button.disabled = true;
    try {
      var params = Object.assign({format: 'text'}, log.filters);
      var response = await request('/v1/request-log', params,
                                   {Accept: 'text/plain'});
      var blob = await response.blob();
      var name = 'request-log.txt';
      var disposition = response.headers.get('Content-Disposition') || '';
      var match = /filename="?([^";]+)"?/.exec(disposition);
      if (match) {
        name = match[1];
      }
      var link = el('a', {href: URL.createObjectURL(blob), download: name,
                          hidden: true});
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
      showAlert('alert', null);
    } catch (error) {
      showAlert('alert', error);
    } finally {
      button.disabled = false;
    }
  }

  /* Auto-refresh -------------------------------------------------------- */

  function scheduleRefresh() {
    clearInterval(state.refreshTimer);
    state.refreshTimer = null;
    var button = $('log-autorefresh');
    button.setAttribute('aria-pressed', String(state.paused));
    button.textContent = state.paused ? 'Resume auto-refresh' :
      'Pause auto-refresh';
    if (!state.paused && state.refreshSeconds > 0) {
      state.refreshTimer = setInterval(function () {
        var dialogOpen = $('task-dialog').open;
        if (!document.hidden && !dialogOpen) {
          (state.view === 'log' ? log : faults).load();
        }
      }, state.refreshSeconds * 1000);
    }
  }

  /* A task and what happened meanwhile ---------------------------------- */

  function fact(term, value) {
    return [el('dt', {text: term}),
            el('dd', {}, [value instanceof Node ? value : String(value || '')])];
  }

  function taskFacts(task) {
    var facts = [];
    var timing;
    if (task.running) {
      timing = fact('Running for', task.duration === null ? 'unknown' :
                    duration(task.duration));
    } else {
      timing = fact('Duration', task.duration === null ?
                    'unknown (its start was not seen)' : duration(task.duration));
    }
    facts.push(fact('Status', statusLabel(task.status)));
    facts.push(fact('App', task.app));
    facts.push(fact('Target', task.target));
    facts.push(fact('Started', task.started ? timeElement(task.started) :
                    'not seen'));
    facts.push(fact('Ended', task.ended ? timeElement(task.ended) :
                    (task.running ? 'still running' : 'not seen')));
    facts.push(timing);
    if (task.request_id) { facts.push(fact('Request ID', task.request_id)); }
    if (task.instance_id) { facts.push(fact('Instance ID', task.instance_id)); }
    if (task.project_id) { facts.push(fact('Project', task.project_id)); }
    return [].concat.apply([], facts);
  }

  function entryTaskRow(entry) {
    var tr = el('tr', {'data-entry-id': entry.id});
    tr.appendChild(cell('Date and time', timeElement(entry.created), 'nowrap'));
    tr.appendChild(cell('Status', statusLabel(entry.status)));
    tr.appendChild(cell('App', entry.app));
    tr.appendChild(cell('Task', entry.task_id === state.taskId ?
                        String(entry.task_id) : taskButton(entry.task_id)));
    tr.appendChild(cell('Message', entry.message, 'message'));
    if (entry.task_id === state.taskId) {
      tr.className = 'own';
    }
    return tr;
  }

  async function loadTaskEntries(append) {
    var body = await getJson('/v1/tasks/' + encodeURIComponent(state.taskId) +
                             '/entries', {marker: state.taskMarker});
    var tbody = $('task-entries').querySelector('tbody');
    var rows = (body.entries || []).map(entryTaskRow);
    if (append) {
      rows.forEach(function (row) { tbody.appendChild(row); });
    } else {
      tbody.replaceChildren.apply(tbody, rows);
    }
    state.taskMarker = nextMarker(body.entries_links);
    $('task-more').hidden = !state.taskMarker;
  }

  async function openTask(taskId) {
    var dialog = $('task-dialog');
    if (!dialog.open) {
      state.lastFocus = document.activeElement;
    }
    state.taskId = Number(taskId);
    state.taskMarker = null;
    $('task-title').textContent = 'Task ' + taskId;
    $('task-facts').replaceChildren();
    $('task-entries').querySelector('tbody').replaceChildren();
    $('task-more').hidden = true;
    showAlert('task-alert', null);
    if (!dialog.open) {
      dialog.showModal();
    }
    $('task-close').focus();
    try {
      var body = await getJson('/v1/tasks/' + encodeURIComponent(taskId));
      var facts = $('task-facts');
      facts.replaceChildren.apply(facts, taskFacts(body.task));
      await loadTaskEntries(false);
    } catch (error) {
      showAlert('task-alert', error);
    }
  }

  function closeTask() {
    var dialog = $('task-dialog');
    if (dialog.open) {
      dialog.close();
    }
  }

  /* Faults -------------------------------------------------------------- */

  function faultRows(fault) {
    var tr = el('tr', {'data-fault-id': fault.id});
    tr.appendChild(cell('Date and time', timeElement(fault.created), 'nowrap'));
    var resource = el('span', {}, [
      el('span', {className: 'badge', text: fault.resource_type || 'instance'}),
      ' ', el('code', {text: fault.instance_id || ''})]);
    tr.appendChild(cell('Resource', resource));
    tr.appendChild(cell('Project', fault.project_id));
    tr.appendChild(cell('Code', fault.code));
    var message = el('div', {}, [el('div', {text: fault.message || ''})]);
    // Details only where the API returned them (the caller may read them).
    if (Object.prototype.hasOwnProperty.call(fault, 'details') &&
        fault.details) {
      message.appendChild(el('details', {className: 'fault-details'}, [
        el('summary', {text: 'Details'}),
        el('pre', {text: fault.details})]));
    }
    tr.appendChild(cell('Message', message, 'message'));
    tr.appendChild(cell('Resolved', fault.resolved_at ?
                        timeElement(fault.resolved_at) :
                        el('span', {className: 'label label-failed',
                                    text: 'Unresolved'})));
    return tr;
  }

  var faults = new Pager({
    path: '/v1/faults', key: 'faults', form: 'faults-search',
    table: 'faults-table', prev: 'faults-prev', next: 'faults-next',
    page: 'faults-page',
    render: function (list) {
      var tbody = $('faults-table').querySelector('tbody');
      tbody.replaceChildren.apply(tbody, list.map(faultRows));
      $('faults-empty').hidden = list.length > 0;
    }
  });

  /* Views, identity, start-up ------------------------------------------- */

  function showView(name) {
    state.view = name;
    [['log', 'tab-log', 'view-log'], ['faults', 'tab-faults', 'view-faults']]
      .forEach(function (names) {
        var active = names[0] === name;
        $(names[2]).hidden = !active;
        if (active) {
          $(names[1]).setAttribute('aria-current', 'page');
        } else {
          $(names[1]).removeAttribute('aria-current');
        }
      });
    document.title = (name === 'log' ? 'Activity Log' : 'Faults') +
      ' - fault_persist';
    var pager = name === 'log' ? log : faults;
    if (!pager.loaded) {
      pager.loaded = true;
      pager.search(formFilters($(pager.options.form)));
    }
  }

  function showIdentity() {
    var summary = $('identity-summary');
    if (!state.noauth) {
      summary.hidden = true;
      return;
    }
    var identity = state.identity;
    summary.textContent = (identity.user || 'anonymous') + ' @ ' +
      (identity.project || 'no project') + ' [' + (identity.roles || 'no roles') +
      ']';
    summary.hidden = false;
  }

  function applyIdentity(event) {
    event.preventDefault();
    var form = $('noauth-form');
    state.identity = {
      project: form.elements.project.value.trim(),
      user: form.elements.user.value.trim(),
      roles: form.elements.roles.value.trim()
    };
    var search = new URLSearchParams(window.location.search);
    ['project', 'user', 'roles'].forEach(function (name) {
      if (state.identity[name]) {
        search.set(name, state.identity[name]);
      } else {
        search.delete(name);
      }
    });
    window.history.replaceState(null, '', '?' + search.toString());
    showIdentity();
    log.search(log.filters);
    if (faults.loaded) {
      faults.search(faults.filters);
    }
  }

  /** Ask the server how it authenticates; noauth shows the identity box. */
  async function discoverAuth() {
    var strategy;
    try {
      var response = await fetch('/v1', {headers: {Accept: 'application/json'},
                                         credentials: 'same-origin'});
      if (response.ok) {
        var body = await response.json();
        var version = body.version || (body.versions || [])[0] || {};
        strategy = body.auth_strategy || version.auth_strategy;
      }
    } catch (ignored) {
      strategy = undefined;
    }
    // A server that does not say: an identity in the URL means a tester
    // of a noauth server. Other strategies ignore these headers (the
    // authentication sets them), so sending them there is harmless.
    state.noauth = strategy === 'noauth' || (!strategy && Boolean(
      state.identity.project || state.identity.user || state.identity.roles));
    if (state.noauth) {
      var form = $('noauth-form');
      form.elements.project.value = state.identity.project;
      form.elements.user.value = state.identity.user;
      form.elements.roles.value = state.identity.roles;
      $('noauth').hidden = false;
    }
    showIdentity();
  }

  function bind() {
    $('zone-name').textContent = zoneName;
    $('tab-log').addEventListener('click', function () { showView('log'); });
    $('tab-faults').addEventListener('click', function () {
      showView('faults');
    });
    $('noauth-form').addEventListener('submit', applyIdentity);
    $('log-search').addEventListener('submit', function (event) {
      event.preventDefault();
      log.search(formFilters(event.target));
    });
    $('log-search').addEventListener('reset', function () {
      setTimeout(function () { log.search({}); }, 0);
    });
    $('faults-search').addEventListener('submit', function (event) {
      event.preventDefault();
      faults.search(formFilters(event.target));
    });
    $('faults-search').addEventListener('reset', function () {
      setTimeout(function () { faults.search({}); }, 0);
    });
    $('log-refresh').addEventListener('click', function () { log.load(); });
    $('faults-refresh').addEventListener('click', function () {
      faults.load();
    });
    $('log-autorefresh').addEventListener('click', function () {
      state.paused = !state.paused;
      scheduleRefresh();
    });
    $('log-download').addEventListener('click', download);
    $('task-close').addEventListener('click', closeTask);
    $('task-more').addEventListener('click', function () {
      loadTaskEntries(true).catch(function (error) {
        showAlert('task-alert', error);
      });
    });
    var dialog = $('task-dialog');
    // Escape closes a modal dialog natively; focus goes back to the link.
    dialog.addEventListener('close', function () {
      state.taskId = null;
      if (state.lastFocus && document.contains(state.lastFocus)) {
        state.lastFocus.focus();
      }
    });
    dialog.addEventListener('click', function (event) {
      if (event.target === dialog) {
        closeTask();  // a click on the backdrop
      }
    });
  }

  async function start() {
    bind();
    if (state.refreshSeconds === 0) {
      // Start paused; "Resume" then refreshes at the default period.
      state.paused = true;
      state.refreshSeconds = DEFAULT_REFRESH_SECONDS;
    }
    await discoverAuth();
    showView('log');
    scheduleRefresh();
  }

  document.addEventListener('DOMContentLoaded', start);
}());
