// fitn-xl: the FITN calls of one recalculation sent together (fitn_xl/addin/batchcall.js).
//
// fitn_xl/addin/batchcall.py appends this file to xlwings Server's custom-functions code (above, unchanged) and
// replaces placeholder_fitn_batched_functions with the names of the add-in's functions. Of that code it replaces
// one piece only: the transport of one call, makeServerCall, for those functions.
//
// A FITN formula written once per row of a table (a calculated column) makes Excel invoke the function once per
// row in the same recalculation, each time with the whole table: the same « Depenses » range 5 000 times. Sent
// one by one, each call uploads the table again. Here, as in Office's custom-functions batching pattern, calls
// are queued for a few milliseconds, sent together in one request, and each promise is settled from its own
// answer; each distinct range is uploaded once per batch (ranges holding the same cells are recognised here,
// before upload). The batch travels through xlwings' own makeServerCall (authentication, retries, timeout, errors
// shown as xlwings shows them) to the same custom-functions route, which evaluates it (batchcall.py).
(function () {
  const BATCHED = new Set(placeholder_fitn_batched_functions);
  const QUIET_MS = 8; // a batch leaves once no call came for this long...
  const MAX_WAIT_MS = 200; // ...or this long after its first call
  const MAX_CALLS = 25000; // or once it holds this many calls
  const MIN_SHARED_CELLS = 2; // arguments of at least this many cells are uploaded once per batch
  const HISTORY = 20;
  const sendOne = makeServerCall; // xlwings' transport of one request
  const queues = new Map(); // common fields (JSON) -> batch being filled

  // The last batches sent (calls, groups, distinct ranges, their cells), for the tests and the benchmark; `enabled`
  // false sends one request per call again, as xlwings does (to compare, from the runtime's console).
  const stats = { batches: [], enabled: true };
  globalThis.fitnBatch = stats;

  function isRange(value) {
    return Array.isArray(value) && value.length > 0 && Array.isArray(value[0]);
  }

  // Whether two cells are sent as the same JSON (rich values, such as error cells, are objects).
  function sameCell(a, b) {
    if (a === b) return true;
    if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function sameRange(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const ra = a[i];
      const rb = b[i];
      if (ra === rb) continue;
      if (!Array.isArray(rb) || ra.length !== rb.length) return false;
      for (let j = 0; j < ra.length; j++) {
        if (ra[j] !== rb[j] && !sameCell(ra[j], rb[j])) return false;
      }
    }
    return true;
  }

  // Cheap to compute: ranges with different fingerprints differ; equal ones are compared cell by cell.
  function fingerprint(range) {
    const n = range.length;
    return `${n}x${range[0].length}:${JSON.stringify([range[0], range[n >> 1], range[n - 1]])}`;
  }

  // The distinct ranges of one batch: the same array object (Excel may hand one to several invocations) or a
  // copy holding the same cells gets the index of the first one.
  class Ranges {
    constructor() {
      this.list = [];
      this.cells = 0;
      this.byObject = new Map();
      this.byFingerprint = new Map();
    }

    index(range) {
      let k = this.byObject.get(range);
      if (k !== undefined) return k;
      const print = fingerprint(range);
      let candidates = this.byFingerprint.get(print);
      if (candidates === undefined) {
        candidates = [];
        this.byFingerprint.set(print, candidates);
      }
      k = candidates.find((j) => sameRange(this.list[j], range));
      if (k === undefined) {
        k = this.add(range);
        this.cells += range.length * range[0].length;
        candidates.push(k);
      }
      this.byObject.set(range, k);
      return k;
    }

    add(value) {
      this.list.push(value);
      return this.list.length - 1;
    }
  }

  function commonFields(body) {
    return {
      client: body.client,
      version: body.version,
      runtime: body.runtime,
      culture_info_name: body.culture_info_name,
      date_format: body.date_format,
      session_id: body.session_id,
    };
  }

  // Invocations of one function whose arguments have the same layout go in one group: per argument, the same
  // range for all ({table: k}) or one cell each ({cells: [...]}, null for an argument left out). A calculated
  // column of N rows is one group of N invocations: its one-cell arguments travel as N values, its tables once.
  function enqueue(body) {
    const common = commonFields(body);
    const key = JSON.stringify(common);
    let batch = queues.get(key);
    if (batch === undefined) {
      const now = performance.now();
      batch = { common, groups: new Map(), calls: 0, ranges: new Ranges(), first: now, last: now, timer: null };
      queues.set(key, batch);
      batch.timer = setTimeout(() => due(key, batch), QUIET_MS);
    }
    batch.last = performance.now();
    const args = body.args;
    const layout = new Array(args.length); // per argument: "c" (one cell) or the index of its range
    const cells = new Array(args.length);
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (arg === null || arg === undefined) {
        layout[i] = "c";
        cells[i] = null;
      } else if (Array.isArray(arg) && arg.length === 1 && Array.isArray(arg[0]) && arg[0].length === 1) {
        layout[i] = "c";
        cells[i] = arg[0][0];
      } else if (isRange(arg) && arg.length * arg[0].length >= MIN_SHARED_CELLS) {
        layout[i] = batch.ranges.index(arg);
      } else {
        layout[i] = batch.ranges.add(arg); // an unusual value: sent as it is, in a group of its own
      }
    }
    const signature = `${body.func_name}|${layout.join(",")}`;
    let group = batch.groups.get(signature);
    if (group === undefined) {
      group = { func_name: body.func_name, layout, cells: layout.map(() => []), pending: [] };
      batch.groups.set(signature, group);
    }
    layout.forEach((kind, i) => {
      if (kind === "c") group.cells[i].push(cells[i]);
    });
    batch.calls += 1;
    const settled = new Promise((resolve, reject) => group.pending.push({ resolve, reject }));
    if (batch.calls >= MAX_CALLS) close(key, batch);
    return settled;
  }

  function due(key, batch) {
    const now = performance.now();
    if (now - batch.last < QUIET_MS && now - batch.first < MAX_WAIT_MS) {
      batch.timer = setTimeout(() => due(key, batch), QUIET_MS - (now - batch.last));
    } else {
      close(key, batch);
    }
  }

  function close(key, batch) {
    clearTimeout(batch.timer);
    if (queues.get(key) === batch) queues.delete(key);
    send(batch);
  }

  async function settle(pending, answer) {
    try {
      if (answer && typeof answer.error === "string") {
        pending.resolve(showError(answer.error)); // throws CustomFunctions.Error where Excel supports it
        return;
      }
      if (answer && answer.script) {
        // as makeServerCall does: registered before the value is returned
        await ensureCalculatedHandler();
        enqueueFollowUpScript(answer.script);
      }
      pending.resolve(answer ? answer.result : answer);
    } catch (error) {
      pending.reject(error);
    }
  }

  function settleGroup(group, answer) {
    const pending = group.pending;
    if (answer && Array.isArray(answer.column) && answer.column.length === pending.length) {
      pending.forEach((p, i) => p.resolve([answer.column[i]]));
    } else if (answer && Array.isArray(answer.rows) && answer.rows.length === pending.length) {
      pending.forEach((p, i) => settle(p, answer.rows[i]));
    } else if (answer && answer.each !== undefined) {
      pending.forEach((p) => settle(p, answer.each));
    } else {
      pending.forEach((p) => settle(p, { error: "Réponse illisible du serveur du complément FITN." }));
    }
  }

  async function send(batch) {
    const groups = [...batch.groups.values()];
    stats.batches.push({ calls: batch.calls, groups: groups.length, ranges: batch.ranges.list.length,
                         cells: batch.ranges.cells });
    if (stats.batches.length > HISTORY) stats.batches.shift();
    const body = {
      ...batch.common,
      tables: batch.ranges.list,
      groups: groups.map((g) => ({
        func_name: g.func_name,
        rows: g.pending.length,
        args: g.layout.map((kind, i) => (kind === "c" ? { cells: g.cells[i] } : { table: kind })),
      })),
    };
    let answers;
    try {
      answers = await sendOne(body);
    } catch (error) {
      groups.forEach((g) => g.pending.forEach((p) => p.reject(error))); // the request failed: each cell says why
      return;
    }
    if (!Array.isArray(answers) || answers.length !== groups.length) {
      // xlwings' own error value where Excel has no error type (runtime 1.1), for every cell
      groups.forEach((g) => g.pending.forEach((p) => p.resolve(answers)));
      return;
    }
    groups.forEach((g, i) => settleGroup(g, answers[i]));
  }

  makeServerCall = function (body, onSuccess = null, firstAuth = null) {
    if (onSuccess !== null || !stats.enabled || !BATCHED.has(body.func_name)) {
      return sendOne(body, onSuccess, firstAuth);
    }
    return enqueue(body);
  };
})();
