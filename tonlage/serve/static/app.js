// Tonlage article page: no framework, no CDN. Talks to /v1/model and /v1/articles on the same server.
"use strict";

const TEXT = {
  de: {
    skip: "Zu den Ergebnissen springen", subtitle: "Tonlage diplomatischer Aussagen in einem Artikel",
    inputHeading: "Artikel", articleLabel: "Artikeltext einfügen oder eine .txt-Datei hierher ziehen",
    fileLabel: ".txt-Datei wählen", keySummary: "API-Schlüssel", keyLabel: "Schlüssel (nur falls der Server einen verlangt)",
    analyse: "Analysieren", controlsHeading: "Filter und Schwellen", thresholds: "Schwellen",
    toneFilter: "Nur Aussagen mit Ton", speakerFilter: "Sprecher", onlyTagged: "nur Aussagen mit Ton",
    export: "Export (sichtbare Aussagen)", results: "Ergebnisse",
    footer: "Markierte Wörter: ohne sie sinkt der Wert des Tons am stärksten (Wort-Okklusion).",
    allSpeakers: "alle Sprecher", narrative: "Ohne Sprecher (Erzähltext)", busy: "Analysiere …",
    empty: "Bitte zuerst einen Artikeltext einfügen.", readFile: "Datei geladen: ", notText: "Bitte eine .txt-Datei (UTF-8) wählen.",
    summary: (n, t, s) => `${n} Aussagen, ${t} mit Ton, ${s} Sprecher`, shown: (n) => ` – ${n} angezeigt`,
    statements: (n) => (n === 1 ? "1 Aussage" : `${n} Aussagen`), noTone: "kein Ton", mention: "genannt als",
    wordsBehind: "Wörter hinter", failed: "Fehler: ", needKey: "Der Server verlangt einen API-Schlüssel.",
    kind: { quote: "Zitat", reported: "indirekte Rede", narrative: "Erzähltext" },
    label: { warning: "Warnung", insult: "Beleidigung", sarcasm: "Sarkasmus", gratitude: "Dank" },
    lang: "EN", htmlLang: "de", title: "Tonlage – Artikelanalyse",
  },
  en: {
    skip: "Skip to results", subtitle: "The tone of diplomatic statements in an article",
    inputHeading: "Article", articleLabel: "Paste the article text or drop a .txt file here",
    fileLabel: "Choose a .txt file", keySummary: "API key", keyLabel: "Key (only if the server asks for one)",
    analyse: "Analyse", controlsHeading: "Filters and thresholds", thresholds: "Thresholds",
    toneFilter: "Only statements with tone", speakerFilter: "Speaker", onlyTagged: "only statements with a tone",
    export: "Export (visible statements)", results: "Results",
    footer: "Highlighted words: without them the tone's score drops most (word occlusion).",
    allSpeakers: "all speakers", narrative: "No speaker (narrative)", busy: "Analysing …",
    empty: "Please paste an article first.", readFile: "File loaded: ", notText: "Please choose a .txt file (UTF-8).",
    summary: (n, t, s) => `${n} statements, ${t} with a tone, ${s} speakers`, shown: (n) => ` – ${n} shown`,
    statements: (n) => (n === 1 ? "1 statement" : `${n} statements`), noTone: "no tone", mention: "mentioned as",
    wordsBehind: "words behind", failed: "Error: ", needKey: "The server asks for an API key.",
    kind: { quote: "quote", reported: "reported speech", narrative: "narrative" },
    label: { warning: "warning", insult: "insult", sarcasm: "sarcasm", gratitude: "gratitude" },
    lang: "DE", htmlLang: "en", title: "Tonlage – article analysis",
  },
};

const state = { lang: "de", labels: [], thresholds: {}, statements: [], toneFilter: new Set(), speaker: "", onlyTagged: false };
const $ = (id) => document.getElementById(id);
const t = () => TEXT[state.lang];
const labelName = (label) => t().label[label] || label;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("apikey").value.trim();
  if (key) h["X-API-Key"] = key;
  return h;
}

async function api(path, body) {
  const response = await fetch(path, body === undefined ? { headers: headers() } : { method: "POST", headers: headers(), body: JSON.stringify(body) });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401) throw new Error(t().needKey);
  if (!response.ok) {
    const detail = Array.isArray(data.detail) ? data.detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ") : data.detail;
    throw new Error(detail || `HTTP ${response.status}`);
  }
  return data;
}

function setStatus(message, error = false) {
  $("status").textContent = message;
  $("status").classList.toggle("error", error);
}

function tagsOf(statement) {
  return state.labels.filter((label) => statement.scores[label] >= state.thresholds[label]);
}

// The article text of a statement with the words behind its current tags wrapped in <mark>.
function highlighted(statement, tags) {
  const spans = [];
  for (const label of tags) {
    for (const w of (statement.explanations || {})[label] || []) spans.push({ ...w, label });
  }
  spans.sort((a, b) => a.start - b.start || b.weight - a.weight);
  const node = el("p", { class: "text" });
  let at = 0;
  for (const span of spans) {
    if (span.start < at) continue; // the same word behind two tones: the stronger one was placed first
    node.append(statement.text.slice(at, span.start));
    node.append(el("mark", { class: `l-${span.label}`, "data-label": span.label,
      title: `${labelName(span.label)}: −${span.weight.toFixed(2)}`, text: statement.text.slice(span.start, span.end) }));
    at = span.end;
  }
  node.append(statement.text.slice(at));
  return node;
}

function statementCard(statement) {
  const tags = tagsOf(statement);
  const meta = el("div", { class: "meta" }, t().kind[statement.kind] || statement.kind);
  if (statement.speaker_mention && statement.speaker_mention !== statement.speaker) meta.append(` · ${t().mention} „${statement.speaker_mention}“`);
  const chips = el("div", { class: "chips" });
  for (const label of tags) {
    chips.append(el("span", { class: `chip l-${label}`, "data-label": label, text: `${labelName(label)} ${statement.scores[label].toFixed(2)}` }));
  }
  if (!tags.length) chips.append(el("span", { class: "scores", text: t().noTone }));
  const scores = state.labels.map((label) => `${labelName(label)} ${statement.scores[label].toFixed(2)}`).join(" · ");
  chips.append(el("span", { class: "scores", text: scores }));
  return el("article", { class: tags.length ? "statement tagged" : "statement", "data-start": String(statement.start) },
    meta, highlighted(statement, tags), chips);
}

function visibleStatements() {
  return state.statements.filter((s) => {
    const tags = tagsOf(s);
    if (state.onlyTagged && !tags.length) return false;
    if (state.toneFilter.size && !tags.some((tag) => state.toneFilter.has(tag))) return false;
    if (state.speaker && (s.speaker || "") !== state.speaker) return false;
    return true;
  });
}

function render() {
  const groups = new Map(); // speaker -> statements, in order of first appearance; narrative last
  const visible = visibleStatements();
  for (const s of visible) {
    const key = s.speaker || "";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(s);
  }
  const keys = [...groups.keys()].filter((k) => k).concat(groups.has("") ? [""] : []);
  const container = $("groups");
  container.replaceChildren();
  for (const key of keys) {
    const list = groups.get(key);
    const heading = el("h3", {}, key || t().narrative, " ", el("span", { class: "count", text: `(${t().statements(list.length)})` }));
    container.append(el("section", { class: "group", "data-speaker": key }, heading, ...list.map(statementCard)));
  }
  const tagged = state.statements.filter((s) => tagsOf(s).length).length;
  const speakers = new Set(state.statements.map((s) => s.speaker).filter(Boolean)).size;
  $("summary").textContent = state.statements.length
    ? t().summary(state.statements.length, tagged, speakers) + t().shown(visible.length) : "";
}

function buildControls() {
  const sliders = $("sliders");
  const filters = $("tone-filters");
  sliders.replaceChildren();
  filters.replaceChildren();
  for (const label of state.labels) {
    const id = `th-${label}`;
    const input = el("input", { type: "range", id, min: "0", max: "1", step: "0.01", value: String(state.thresholds[label]) });
    const output = el("output", { for: id, text: state.thresholds[label].toFixed(2) });
    input.addEventListener("input", () => {
      state.thresholds[label] = Number(input.value);
      output.textContent = Number(input.value).toFixed(2);
      render();
    });
    sliders.append(el("div", { class: "slider" }, el("label", { for: id, class: `chip l-${label}`, text: labelName(label) }), input, output));
    const box = el("input", { type: "checkbox", value: label });
    box.checked = state.toneFilter.has(label);
    box.addEventListener("change", () => { box.checked ? state.toneFilter.add(label) : state.toneFilter.delete(label); render(); });
    filters.append(el("label", { class: "check" }, box, " ", el("span", { class: `chip l-${label}`, text: labelName(label) })));
  }
  const select = $("speaker");
  select.replaceChildren(el("option", { value: "", text: t().allSpeakers }));
  for (const name of [...new Set(state.statements.map((s) => s.speaker).filter(Boolean))]) {
    select.append(el("option", { value: name, text: name }));
  }
  select.value = state.speaker;
  $("controls").hidden = !state.statements.length;
}

async function analyse() {
  const text = $("article").value;
  if (!text.trim()) { setStatus(t().empty, true); return; }
  const button = $("analyse");
  button.disabled = true;
  setStatus(t().busy);
  try {
    if (!state.labels.length) await loadModel();
    const data = await api("/v1/articles", { text, explain: true });
    state.statements = data.statements;
    state.speaker = "";
    buildControls();
    render();
    setStatus("");
    $("results").focus();
  } catch (error) {
    setStatus(t().failed + error.message, true);
  } finally {
    button.disabled = false;
  }
}

async function loadModel() {
  const info = await api("/v1/model");
  state.labels = info.labels;
  state.thresholds = { ...info.thresholds };
}

function exportRows() {
  return visibleStatements().map((s) => ({ ...s, labels: tagsOf(s) }));
}

function download(name, type, content) {
  const link = el("a", { href: URL.createObjectURL(new Blob([content], { type })), download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

function csvCell(value) {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n\r;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function exportCsv() {
  const head = ["start", "end", "speaker", "speaker_mention", "kind", "text", "labels",
    ...state.labels.map((l) => `score_${l}`), ...state.labels.map((l) => `words_${l}`)];
  const lines = [head.join(",")];
  for (const s of exportRows()) {
    const words = state.labels.map((l) => ((s.explanations || {})[l] || []).map((w) => w.word).join(" "));
    lines.push([s.start, s.end, s.speaker, s.speaker_mention, s.kind, s.text, s.labels.join(";"),
      ...state.labels.map((l) => s.scores[l]), ...words].map(csvCell).join(","));
  }
  download("tonlage.csv", "text/csv;charset=utf-8", "\ufeff" + lines.join("\r\n") + "\r\n");
}

function exportJson() {
  download("tonlage.json", "application/json", JSON.stringify({ thresholds: state.thresholds, statements: exportRows() }, null, 2));
}

function readFile(file) {
  if (!file) return;
  if (!(file.type === "text/plain" || file.name.toLowerCase().endsWith(".txt"))) { setStatus(t().notText, true); return; }
  const reader = new FileReader();
  reader.onload = () => { $("article").value = reader.result; setStatus(t().readFile + file.name); };
  reader.readAsText(file, "utf-8");
}

function applyLanguage() {
  document.documentElement.lang = t().htmlLang;
  document.title = t().title;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t()[node.dataset.i18n];
  $("lang").textContent = t().lang;
  if (state.labels.length) { buildControls(); render(); }
}

function init() {
  $("analyse").addEventListener("click", analyse);
  $("article").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) analyse(); });
  $("file").addEventListener("change", (e) => readFile(e.target.files[0]));
  const area = $("article");
  area.addEventListener("dragover", (e) => { e.preventDefault(); area.classList.add("drop"); });
  area.addEventListener("dragleave", () => area.classList.remove("drop"));
  area.addEventListener("drop", (e) => { e.preventDefault(); area.classList.remove("drop"); readFile(e.dataTransfer.files[0]); });
  $("speaker").addEventListener("change", (e) => { state.speaker = e.target.value; render(); });
  $("only-tagged").addEventListener("change", (e) => { state.onlyTagged = e.target.checked; render(); });
  $("export-json").addEventListener("click", exportJson);
  $("export-csv").addEventListener("click", exportCsv);
  $("lang").addEventListener("click", () => { state.lang = state.lang === "de" ? "en" : "de"; localStorage.setItem("tonlage-lang", state.lang); applyLanguage(); });
  const saved = localStorage.getItem("tonlage-lang");
  if (saved === "en" || saved === "de") state.lang = saved;
  applyLanguage();
  loadModel().catch(() => {}); // a key may be needed first; analyse() retries
}

init();
