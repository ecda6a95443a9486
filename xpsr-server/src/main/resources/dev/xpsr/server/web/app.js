// The page of xpsr serve: upload, prompts, settings, progress with live preview, before/after comparison,
// download, past jobs. Plain browser JavaScript, no build step; every request goes through api() so that a
// bearer token, when the server needs one, is sent with it (which is also why events are read with fetch
// rather than EventSource, which cannot send headers).
"use strict";

const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem("xpsr-token"), methods: [], file: null, inputUrl: null,
  current: null, events: null, resultUrl: null };

async function api(path, init = {}) {
  const headers = new Headers(init.headers || {});
  if (state.token) headers.set("Authorization", "Bearer " + state.token);
  const response = await fetch(path, { ...init, headers });
  if (response.status === 401) {
    $("token-box").hidden = false;
    throw new Error("this server needs its bearer token (enter it above)");
  }
  return response;
}

async function apiJson(path, init) {
  const response = await api(path, init);
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new Error(body && body.error ? body.error : "HTTP " + response.status);
  return body;
}

// ---------------------------------------------------------------- methods and settings

async function loadMethods() {
  const info = await apiJson("/api/methods");
  state.methods = info.methods;
  $("demo-note").hidden = !info.demo;
  const select = $("method");
  select.replaceChildren(...info.methods.map((m) => {
    const option = new Option(m.id + (m.randomWeights ? " (demo: random weights, output is noise)" : ""), m.id);
    option.selected = m.id === info.defaultMethod;
    return option;
  }));
  const d = info.defaults;
  $("steps").value = d.steps; $("steps").max = info.limits.maxSteps;
  $("guidance").value = d.guidance; $("seed").value = d.seed;
  $("color-fix").value = d.colorFix; $("sampler").value = d.sampler;
  showMethodFields();
}

function chosenMethod() {
  return state.methods.find((m) => m.id === $("method").value);
}

function showMethodFields() {
  const m = chosenMethod();
  const prompts = Boolean(m && m.prompts);
  for (const id of ["prompt-fields", "settings-fields"]) {
    $(id).hidden = !prompts;
    $(id).disabled = !prompts;
  }
  $("method-info").textContent = m ? m.description : "";
}

// ---------------------------------------------------------------- choosing an image

function chooseFile(file) {
  if (!file) return;
  state.file = file;
  for (const id of ["caption", "lowlevel"]) delete $(id).dataset.edited;
  if (state.inputUrl) URL.revokeObjectURL(state.inputUrl);
  state.inputUrl = URL.createObjectURL(file);
  const preview = $("input-preview");
  preview.src = state.inputUrl;
  preview.alt = "The chosen image, " + file.name;
  preview.hidden = false;
  preview.onload = () => {
    $("input-info").textContent = `${file.name}: ${preview.naturalWidth} × ${preview.naturalHeight}`;
  };
  proposePrompts(file);
}

async function proposePrompts(file) {
  $("caption-source").textContent = "Asking the server's prompt sources…";
  $("lowlevel-source").textContent = "";
  const form = new FormData();
  form.append("image", file, file.name);
  try {
    const p = await apiJson("/api/prompts", { method: "POST", body: form });
    fillProposal("caption", p.caption);
    fillProposal("lowlevel", p.lowlevelPrompt);
  } catch (e) {
    $("caption-source").textContent = "No proposal: " + e.message;
  }
}

function fillProposal(id, proposal) {
  const field = $(id);
  if (!field.dataset.edited) field.value = proposal.text;
  $(id + "-source").textContent = "Proposed by: " + proposal.source + ". Edit it as you like.";
}

function setUpDropZone() {
  const zone = $("drop-zone");
  $("image").addEventListener("change", (e) => chooseFile(e.target.files[0]));
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("dragging"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("dragging");
    chooseFile(e.dataTransfer.files[0]);
  });
  for (const id of ["caption", "lowlevel"]) {
    $(id).addEventListener("input", () => { $(id).dataset.edited = "true"; });
  }
}

// ---------------------------------------------------------------- submitting

function options() {
  const m = chosenMethod();
  const o = { method: m.id };
  if (m.prompts) {
    // an untouched proposal is left to the server, which asks the same source again and records it as the source
    if ($("caption").dataset.edited) o.caption = $("caption").value;
    if ($("lowlevel").dataset.edited) o.lowlevelPrompt = $("lowlevel").value;
    o.steps = Number($("steps").value);
    o.guidance = Number($("guidance").value);
    o.seed = Number($("seed").value);
    o.colorFix = $("color-fix").value;
    o.sampler = $("sampler").value;
  }
  return o;
}

async function submit(event) {
  event.preventDefault();
  $("form-error").textContent = "";
  if (!state.file) {
    $("form-error").textContent = "Choose an image first.";
    $("image").focus();
    return;
  }
  const form = new FormData();
  form.append("image", state.file, state.file.name);
  form.append("options", JSON.stringify(options()));
  $("start").disabled = true;
  try {
    const job = await apiJson("/api/jobs", { method: "POST", body: form });
    openJob(job, state.inputUrl);
    refreshJobs();
  } catch (e) {
    $("form-error").textContent = e.message;
  } finally {
    $("start").disabled = false;
  }
}

// ---------------------------------------------------------------- following a job

function openJob(job, inputUrl) {
  if (state.events) state.events.abort();
  state.current = { job, inputUrl };
  $("job-view").hidden = false;
  $("job-title").textContent = `Job ${job.id}: ${job.name} (${job.method})`;
  $("result").hidden = true;
  $("preview-figure").hidden = true;
  $("eta").textContent = "";
  showJob(job);
  if (job.state === "queued" || job.state === "running") follow(job.id);
}

function showJob(job) {
  state.current.job = job;
  const text = { queued: "Waiting in the queue.", running: "Running.", done: "Done.",
    failed: "Failed: " + (job.error || "no reason given"), cancelled: "Cancelled." }[job.state];
  $("job-state").textContent = text + (job.cancelRequested && job.state === "running" ? " Stopping…" : "");
  $("job-state").className = "state-" + job.state;
  $("cancel").hidden = !(job.state === "queued" || job.state === "running");
  if (job.progress) showProgress(job.progress);
  if (job.state === "done") showResult(job);
}

function showProgress(p) {
  const percent = Math.round(100 * (p.fraction || 0));
  $("progress").value = percent;
  const where = p.stage ? ` (${p.stage}${p.total ? ", step " + p.step + " of " + p.total : ""})` : "";
  $("progress-text").textContent = percent + " %" + where;
  $("eta").textContent = p.etaSeconds != null && percent < 100 ? `about ${Math.ceil(p.etaSeconds)} s left` : "";
}

function showPreview(p) {
  $("preview").src = p.image;
  $("preview").width = Math.max(128, p.width * 2);
  $("preview").height = Math.max(128, p.height * 2);
  $("preview-figure").hidden = false;
}

async function follow(id) {
  const controller = new AbortController();
  state.events = controller;
  try {
    const response = await api(`/api/jobs/${id}/events`, { headers: { Accept: "text/event-stream" },
      signal: controller.signal });
    if (!response.ok) throw new Error((await response.json()).error);
    await readEvents(response.body, (name, data) => {
      if (!state.current || state.current.job.id !== id) return;
      if (name === "state") { showJob(data); refreshJobs(); }
      if (name === "progress") showProgress(data);
      if (name === "preview") showPreview(data);
    });
  } catch (e) {
    if (e.name !== "AbortError") $("job-state").textContent = "Lost the event stream: " + e.message;
  }
}

// A server-sent event stream parsed from a fetch body: blocks of "event:" and "data:" lines, blank-line separated.
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    }
  }
}

async function cancelCurrent() {
  const job = state.current && state.current.job;
  if (!job) return;
  try {
    showJob(await apiJson(`/api/jobs/${job.id}`, { method: "DELETE" }));
    refreshJobs();
  } catch (e) {
    $("job-state").textContent = e.message;
  }
}

// ---------------------------------------------------------------- the result

async function showResult(job) {
  if (!$("result").hidden && $("download").dataset.job === job.id) return;
  const response = await api(job.links.result);
  if (!response.ok) return;
  const blob = await response.blob();
  if (state.resultUrl) URL.revokeObjectURL(state.resultUrl);
  state.resultUrl = URL.createObjectURL(blob);
  $("after").src = state.resultUrl;
  $("before").src = state.current.inputUrl || await inputUrl(job);
  const download = $("download");
  download.href = state.resultUrl;
  download.dataset.job = job.id;
  const disposition = response.headers.get("Content-Disposition") || "";
  download.download = disposition.match(/filename="([^"]+)"/)?.[1] || "result.png";
  $("after").onload = () => {
    $("result-size").textContent = `(${$("after").naturalWidth} × ${$("after").naturalHeight}, ${blob.size} bytes)`;
  };
  showUsed(job);
  setComparison(50);
  $("result").hidden = false;
}

// The upload of a job opened from the list (the page did not choose it), for the "before" side.
async function inputUrl(job) {
  const response = await api(`/api/jobs/${job.id}/input`);
  state.current.inputUrl = response.ok ? URL.createObjectURL(await response.blob()) : "";
  return state.current.inputUrl;
}

function showUsed(job) {
  const took = job.seconds != null ? job.seconds.toFixed(1) + " s" : null;
  const rows = [["Method", job.method], ["Seed", job.seed], ["Took", took]];
  if (job.prompts) {
    rows.push(["Prompt", job.prompts.positive], ["Low-level prompt", job.prompts.lowlevel],
      ["Prompt source", job.prompts.source]);
  }
  $("used").replaceChildren(...rows.filter(([, v]) => v != null && v !== "").flatMap(([k, v]) => {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = String(v);
    return [dt, dd];
  }));
}

function setComparison(percent) {
  const p = Math.min(100, Math.max(0, Math.round(percent)));
  $("slider").value = p;
  $("slider").setAttribute("aria-valuetext", `${p} % input, ${100 - p} % result`);
  $("after").style.clipPath = `inset(0 0 0 ${p}%)`;
  $("divider").style.left = p + "%";
}

function setUpComparison() {
  const compare = $("compare");
  const fromPointer = (e) => {
    const box = compare.getBoundingClientRect();
    setComparison(100 * (e.clientX - box.left) / box.width);
  };
  compare.addEventListener("pointerdown", (e) => {
    compare.setPointerCapture(e.pointerId);
    fromPointer(e);
    $("slider").focus();
  });
  compare.addEventListener("pointermove", (e) => { if (compare.hasPointerCapture(e.pointerId)) fromPointer(e); });
  $("slider").addEventListener("input", (e) => setComparison(Number(e.target.value)));
}

// ---------------------------------------------------------------- past jobs

async function refreshJobs() {
  let page;
  try {
    page = await apiJson("/api/jobs?limit=50");
  } catch (e) {
    return;
  }
  $("jobs-empty").hidden = page.jobs.length > 0;
  $("jobs").querySelector("tbody").replaceChildren(...page.jobs.map(jobRow));
}

function jobRow(job) {
  const row = document.createElement("tr");
  const cell = (text, className) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    row.append(td);
    return td;
  };
  cell(job.name);
  cell(job.method);
  cell(job.state + (job.progress && job.state === "running" ? ` ${Math.round(100 * job.progress.fraction)} %` : ""),
    "state-" + job.state);
  cell(new Date(job.createdAt).toLocaleString());
  const actions = cell("");
  actions.append(button("Open", `Open job ${job.name}`, () => openJob(job, null)));
  const finished = ["done", "failed", "cancelled"].includes(job.state);
  const verb = finished ? "Delete" : "Cancel";
  actions.append(button(verb, `${verb} job ${job.name}`, async () => {
    await apiJson(`/api/jobs/${job.id}`, { method: "DELETE" }).catch((e) => alert(e.message));
    refreshJobs();
  }));
  return row;
}

function button(text, label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "secondary";
  b.textContent = text;
  b.setAttribute("aria-label", label);
  b.addEventListener("click", onClick);
  return b;
}

// ---------------------------------------------------------------- start

function setUpToken() {
  $("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    state.token = $("token").value.trim();
    sessionStorage.setItem("xpsr-token", state.token);
    $("token-box").hidden = true;
    start();
  });
}

async function start() {
  try {
    await loadMethods();
    await refreshJobs();
  } catch (e) {
    $("form-error").textContent = e.message;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setUpToken();
  setUpDropZone();
  setUpComparison();
  $("method").addEventListener("change", showMethodFields);
  $("job-form").addEventListener("submit", submit);
  $("cancel").addEventListener("click", cancelCurrent);
  $("refresh").addEventListener("click", refreshJobs);
  start();
});
