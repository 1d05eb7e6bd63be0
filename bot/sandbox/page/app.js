// The sandbox page: a Discord-like client for the local Discord. Plain JavaScript, no build
// step, nothing from the network. Every text a message carries is hostile: it is escaped
// before any markup is added (markdown()), and everything else is built with textContent.
"use strict";

const state = {
  me: null, channel: null, guild: null, bot: null,
  channels: [], members: [], roles: [], commands: [],
  messages: new Map(), // id -> message json, for the current channel
  unread: new Set(),
  socket: null, socketSerial: 0, socketMember: null, buffer: null,
  picked: {}, // option name -> {name, value}: an autocomplete choice shown by name, sent by value
  suggestions: [], selected: -1, navigated: false, completeSerial: 0,
};

const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
};

// --- names ---------------------------------------------------------------------------------
function memberName(id) {
  const m = state.members.find((x) => x.id === id);
  return m ? m.name : "unknown-user";
}
function channelName(id) {
  const c = state.channels.find((x) => x.id === id);
  return c ? c.name : "unknown-channel";
}
function roleName(id) {
  const r = state.roles.find((x) => x.id === id);
  return r ? r.name : "unknown-role";
}
const AVATAR_COLOURS = ["#5865f2", "#3ba55c", "#faa61a", "#ed4245", "#eb459e", "#747f8d"];
function avatar(id, small) {
  const name = id === (state.bot && state.bot.id) ? state.bot.name : memberName(id);
  const node = el("div", small ? "avatar small" : "avatar", (name[0] || "?").toUpperCase());
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) % 1000003;
  node.style.background = id === (state.bot && state.bot.id) ? "#5865f2"
    : AVATAR_COLOURS[1 + (hash % (AVATAR_COLOURS.length - 1))];
  return node;
}

// --- markdown (Discord's subset), safe by construction ---------------------------------------
function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => (
    { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function timestampHtml(seconds, style) {
  const ms = seconds * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return escapeHtml(`<t:${seconds}>`);
  const title = escapeHtml(new Date(ms).toLocaleString());
  return `<span class="ts" data-ts="${ms}" data-style="${style}" title="${title}">`
    + `${escapeHtml(formatTimestamp(ms, style))}</span>`;
}

const RELATIVE = new Intl.RelativeTimeFormat("en", { numeric: "always" });
function formatTimestamp(ms, style) {
  const date = new Date(ms);
  switch (style) {
    case "t": return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    case "T": return date.toLocaleTimeString();
    case "d": return date.toLocaleDateString();
    case "D": return date.toLocaleDateString([], { dateStyle: "long" });
    case "F": return date.toLocaleString([], { dateStyle: "full", timeStyle: "short" });
    case "R": {
      const seconds = Math.round((ms - Date.now()) / 1000);
      const abs = Math.abs(seconds);
      if (abs < 60) return RELATIVE.format(seconds, "second");
      if (abs < 3600) return RELATIVE.format(Math.round(seconds / 60), "minute");
      if (abs < 86400) return RELATIVE.format(Math.round(seconds / 3600), "hour");
      if (abs < 86400 * 30) return RELATIVE.format(Math.round(seconds / 86400), "day");
      if (abs < 86400 * 365) return RELATIVE.format(Math.round(seconds / 86400 / 30), "month");
      return RELATIVE.format(Math.round(seconds / 86400 / 365), "year");
    }
    default: return date.toLocaleString([], { dateStyle: "long", timeStyle: "short" });
  }
}

function markdown(text) {
  const slots = [];
  const keep = (html) => `\u0000${slots.push(html) - 1}\u0000`;
  let s = String(text ?? "").replace(/\u0000/g, "");
  s = s.replace(/```(?:([\w+-]{1,20})\n)?([\s\S]*?)```/g,
    (_, lang, code) => keep(`<pre><code>${escapeHtml(code.replace(/^\n/, ""))}</code></pre>`));
  s = s.replace(/``([^\n]+?)``|`([^`\n]+)`/g,
    (_, a, b) => keep(`<code>${escapeHtml(a ?? b)}</code>`));
  s = s.replace(/\\([*_~|`>#\-\\[\]()<:])/g, (_, c) => keep(escapeHtml(c)));
  s = s.replace(/<t:(-?\d{1,13})(?::([tTdDfFR]))?>/g,
    (_, ts, style) => keep(timestampHtml(Number(ts), style || "f")));
  s = s.replace(/<@!?(\d{1,20})>/g, (_, id) => keep(
    `<span class="mention">@${escapeHtml(id === state.bot?.id ? state.bot.name : memberName(id))}</span>`));
  s = s.replace(/<@&(\d{1,20})>/g,
    (_, id) => keep(`<span class="mention">@${escapeHtml(roleName(id))}</span>`));
  s = s.replace(/<#(\d{1,20})>/g,
    (_, id) => keep(`<span class="mention">#${escapeHtml(channelName(id))}</span>`));
  s = s.replace(/<\/([-_\w ]{1,100}):\d{1,20}>/g,
    (_, name) => keep(`<span class="mention">/${escapeHtml(name)}</span>`));
  s = s.replace(/<a?:(\w{2,32}):\d{1,20}>/g, (_, name) => keep(`:${escapeHtml(name)}:`));
  s = s.replace(/@(everyone|here)\b/g, (_, who) => keep(`<span class="mention">@${who}</span>`));
  s = escapeHtml(s);
  // Links: only http(s); the text was escaped above, so quotes cannot leave the attribute.
  s = s.replace(/\[([^\]\n]{1,256})\]\((https?:\/\/[^\s)]{1,2000})\)/g, (_, label, url) =>
    keep(`<a href="${url}" target="_blank" rel="noopener noreferrer">${label}</a>`));
  s = s.replace(/(^|[\s(])(https?:\/\/[^\s<]{1,2000}[^\s<.,;:!?)])/g, (_, before, url) =>
    before + keep(`<a href="${url}" target="_blank" rel="noopener noreferrer">${url}</a>`));
  s = s.replace(/\*\*\*([^*]+?)\*\*\*/g, "<strong><em>$1</em></strong>");
  s = s.replace(/\*\*([\s\S]+?)\*\*/g, "<strong>$1</strong>");
  s = s.replace(/__([\s\S]+?)__/g, "<u>$1</u>");
  s = s.replace(/(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?!\w)/g, "$1<em>$2</em>");
  s = s.replace(/(^|[^\w_])_(?!\s)([^_\n]+?)_(?!\w)/g, "$1<em>$2</em>");
  s = s.replace(/~~([\s\S]+?)~~/g, "<s>$1</s>");
  s = s.replace(/\|\|([\s\S]+?)\|\|/g, '<span class="spoiler">$1</span>');
  const lines = s.split("\n").map((line) => {
    let m;
    if ((m = line.match(/^### (.+)$/))) return `<div class="md-h3">${m[1]}</div>`;
    if ((m = line.match(/^## (.+)$/))) return `<div class="md-h2">${m[1]}</div>`;
    if ((m = line.match(/^# (.+)$/))) return `<div class="md-h1">${m[1]}</div>`;
    if ((m = line.match(/^-# (.+)$/))) return `<div class="md-sub">${m[1]}</div>`;
    if ((m = line.match(/^&gt; ?(.*)$/))) return `<blockquote>${m[1] || "&nbsp;"}</blockquote>`;
    if ((m = line.match(/^\s*[-*] (.+)$/))) return `• ${m[1]}`;
    return line;
  });
  // Block lines (headings, quotes) break the line themselves: no <br> beside them.
  s = lines.join("\n").replace(/\n(?=<div class="md-|<blockquote>)/g, "")
    .replace(/(<\/div>|<\/blockquote>)\n/g, "$1")
    .replace(/\n/g, "<br>");
  for (let pass = 0; pass < 3 && s.includes("\u0000"); pass += 1) {
    s = s.replace(/\u0000(\d+)\u0000/g, (_, i) => slots[Number(i)] ?? "");
  }
  return s;
}

function setMarkdown(node, text) {
  node.innerHTML = markdown(text); // markdown() escapes every character of ``text`` first
  return node;
}

// --- rendering messages --------------------------------------------------------------------
function colourOf(value) {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) return null;
  return `#${Math.floor(value).toString(16).padStart(6, "0").slice(-6)}`;
}

function sameOrigin(url) {
  // An image the local Discord serves itself (an uploaded attachment): shown. Anything else
  // would be a fetch from the network, which this page never makes.
  try {
    const parsed = new URL(url, location.href);
    return parsed.origin === location.origin && /^https?:$/.test(parsed.protocol);
  } catch (error) {
    return false;
  }
}

function imageNode(url, cls) {
  const wrap = el("div", cls);
  if (typeof url !== "string") return wrap;
  if (/^data:image\//.test(url) || sameOrigin(url)) {
    const img = el("img");
    img.src = url;
    img.alt = "";
    wrap.append(img);
  } else {
    // The page fetches nothing from the network: say what the image is instead.
    const name = url.startsWith("attachment://") ? url.slice(13) : url;
    wrap.append(el("span", "image-missing", `🖼 ${name.slice(0, 80)}`));
  }
  return wrap;
}

function renderEmbed(embed) {
  const node = el("div", "embed");
  const colour = colourOf(embed.color);
  if (colour) node.style.borderLeftColor = colour;
  if (embed.author && embed.author.name) node.append(el("div", "embed-author", embed.author.name));
  if (embed.title) {
    const title = setMarkdown(el("div", "embed-title"), embed.title);
    if (typeof embed.url === "string" && /^https?:\/\//.test(embed.url)) {
      const link = el("a");
      link.href = embed.url; link.target = "_blank"; link.rel = "noopener noreferrer";
      link.append(...title.childNodes);
      title.append(link);
    }
    node.append(title);
  }
  if (embed.description) node.append(setMarkdown(el("div", "embed-description"), embed.description));
  if (Array.isArray(embed.fields) && embed.fields.length) {
    const fields = el("div", "embed-fields");
    for (const field of embed.fields) {
      const f = el("div", field.inline ? "embed-field inline" : "embed-field");
      f.append(setMarkdown(el("div", "embed-field-name"), field.name),
        setMarkdown(el("div", "embed-field-value"), field.value));
      fields.append(f);
    }
    node.append(fields);
  }
  if (embed.image && embed.image.url) node.append(imageNode(embed.image.url, "embed-image"));
  if (embed.thumbnail && embed.thumbnail.url) node.append(imageNode(embed.thumbnail.url, "thumbnail"));
  const footer = [];
  if (embed.footer && embed.footer.text) footer.push(embed.footer.text);
  if (embed.timestamp) footer.push(new Date(embed.timestamp).toLocaleString());
  if (footer.length) node.append(el("div", "embed-footer", footer.join(" • ")));
  return node;
}

const BUTTON_STYLES = { 1: "primary", 2: "secondary", 3: "success", 4: "danger", 5: "link", 6: "primary" };

function emojiText(emoji) {
  if (!emoji) return "";
  return emoji.id ? `:${emoji.name}:` : (emoji.name || "");
}

function renderComponent(message, component, parent) {
  switch (component.type) {
    case 1: { // action row
      const row = el("div", "row");
      for (const child of component.components || []) renderComponent(message, child, row);
      parent.append(row);
      break;
    }
    case 2: { // button
      const label = [emojiText(component.emoji), component.label || ""].filter(Boolean).join(" ");
      if (component.style === 5 && typeof component.url === "string") {
        const link = el("a", "btn link", `${label} ↗`);
        if (/^https?:\/\//.test(component.url)) {
          link.href = component.url; link.target = "_blank"; link.rel = "noopener noreferrer";
        }
        parent.append(link);
        break;
      }
      const button = el("button", `btn ${BUTTON_STYLES[component.style] || "secondary"}`, label || "…");
      button.type = "button";
      button.disabled = Boolean(component.disabled);
      button.dataset.customId = component.custom_id || "";
      button.addEventListener("click", async () => {
        button.classList.add("busy");
        try {
          await act({ action: "click", message: message.id, custom_id: component.custom_id });
        } finally { button.classList.remove("busy"); }
      });
      parent.append(button);
      break;
    }
    case 3: case 5: case 6: case 7: case 8: { // select menus
      const select = el("select", "select");
      select.disabled = Boolean(component.disabled);
      select.setAttribute("aria-label", component.placeholder || "Make a selection");
      const placeholder = el("option", "", component.placeholder || "Make a selection");
      placeholder.value = ""; placeholder.disabled = true; placeholder.selected = true;
      select.append(placeholder);
      let options = component.options || [];
      if (component.type === 5) options = state.members.filter((m) => !m.bot).map((m) => ({ label: m.name, value: m.id }));
      if (component.type === 8) options = state.channels.map((c) => ({ label: `#${c.name}`, value: c.id }));
      for (const option of options) {
        const node = el("option", "", [emojiText(option.emoji), option.label].filter(Boolean).join(" "));
        node.value = option.value;
        if (option.description) node.title = option.description;
        select.append(node);
      }
      select.addEventListener("change", async () => {
        if (!select.value) return;
        await act({ action: "select", message: message.id, custom_id: component.custom_id, values: [select.value] });
        select.value = ""; // as in Discord, the menu shows its placeholder again
      });
      const row = el("div", "row");
      row.append(select);
      parent.append(row);
      break;
    }
    case 10: parent.append(setMarkdown(el("div", "content"), component.content)); break; // text
    case 9: case 17: { // section, container
      const box = el("div", component.type === 17 ? "embed" : "");
      const colour = colourOf(component.accent_color);
      if (colour) box.style.borderLeftColor = colour;
      for (const child of component.components || []) renderComponent(message, child, box);
      if (component.accessory) renderComponent(message, component.accessory, box);
      parent.append(box);
      break;
    }
    case 14: parent.append(el("hr")); break;
    default: break;
  }
}

function renderMessage(message, compact) {
  const isBot = message.author_id === state.bot.id;
  const node = el("li", message.ephemeral ? "message ephemeral" : "message");
  if (compact) node.classList.add("compact");
  node.dataset.id = message.id;
  node.dataset.authorId = message.author_id;
  node.dataset.time = String(Date.parse(message.timestamp));
  node.dataset.author = isBot ? state.bot.name : memberName(message.author_id);
  if (message.used) {
    const used = el("div", "used");
    used.append(`↱ ${memberName(message.used.user_id)} used `, el("span", "command", `/${message.used.command}`));
    node.append(used);
  }
  node.append(compact ? el("div", "gutter") : avatar(message.author_id));
  const body = el("div", "body");
  const head = el("div", "head");
  head.append(el("span", "author", node.dataset.author));
  if (isBot) head.append(el("span", "badge", "APP"));
  const when = new Date(message.timestamp);
  const time = el("time", "time", when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
  time.dateTime = message.timestamp;
  time.title = when.toLocaleString();
  head.append(time);
  if (!compact) body.append(head);
  if (message.loading) {
    body.append(el("div", "content loading", `${state.bot.name} is thinking…`));
  } else if (message.content) {
    const content = setMarkdown(el("div", "content"), message.content);
    if (message.edited) content.append(" ", el("span", "edited", "(edited)"));
    body.append(content);
  }
  for (const embed of message.embeds || []) body.append(renderEmbed(embed));
  const shown = new Set();
  for (const embed of message.embeds || []) {
    for (const part of [embed.image, embed.thumbnail]) if (part && part.url) shown.add(part.url);
  }
  for (const file of message.attachments || []) {
    if (shown.has(file.url)) continue; // already the image of an embed
    if (String(file.content_type || "").startsWith("image/") && sameOrigin(file.url)) {
      body.append(imageNode(file.url, "attachment-image"));
    } else {
      body.append(el("div", "image-missing", `📎 ${file.filename}`));
    }
  }
  if ((message.components || []).length) {
    const components = el("div", "components");
    for (const component of message.components) renderComponent(message, component, components);
    body.append(components);
  }
  if ((message.reactions || []).length) {
    const reactions = el("div", "reactions");
    for (const reaction of message.reactions) {
      const mine = reaction.users.includes(state.me);
      const chip = el("button", mine ? "reaction me" : "reaction");
      chip.type = "button";
      chip.disabled = mine || message.ephemeral;
      chip.addEventListener("click", () => act({ action: "react", message: message.id, emoji: reaction.emoji }));
      chip.title = reaction.users.map((id) => (id === state.bot.id ? state.bot.name : memberName(id))).join(", ");
      chip.append(el("span", "emoji", reaction.emoji), el("span", "count", String(reaction.users.length)));
      reactions.append(chip);
    }
    body.append(reactions);
  }
  if (message.ephemeral) {
    const note = el("div", "ephemeral-note");
    const dismiss = el("button", "dismiss", "Dismiss message");
    dismiss.type = "button";
    dismiss.addEventListener("click", () => node.remove());
    note.append(el("span", "eye", "👁"), "Only you can see this · ", dismiss);
    body.append(note);
  }
  node.append(body);
  return node;
}

const GROUP_MS = 7 * 60 * 1000;

function continues(previous, message) {
  // Discord shows a message under the one before without a new header when the same author
  // posted both within a few minutes and nothing (a command, a private reply) sets it apart.
  return Boolean(previous && previous.dataset.authorId === message.author_id && !message.used
    && !message.ephemeral && !previous.classList.contains("ephemeral")
    && Date.parse(message.timestamp) - Number(previous.dataset.time) < GROUP_MS);
}

function upsertMessage(message) {
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  state.messages.set(message.id, message);
  const old = list.querySelector(`li[data-id="${message.id}"]`);
  const compact = old ? old.classList.contains("compact") : continues(list.lastElementChild, message);
  const fresh = renderMessage(message, compact);
  list.querySelector(".empty")?.remove();
  if (old) old.replaceWith(fresh); else list.append(fresh);
  if (atBottom || message.author_id === state.me) list.scrollTop = list.scrollHeight;
}

function renderMessages(messages) {
  const list = $("messages");
  list.replaceChildren();
  state.messages.clear();
  if (!messages.length) {
    list.append(el("li", "empty", `This is the beginning of #${channelName(state.channel)}. Type / to see what ${state.bot.name} can do.`));
  }
  for (const message of messages) upsertMessage(message);
  list.scrollTop = list.scrollHeight;
}

function tickTimestamps() {
  for (const node of document.querySelectorAll('.ts[data-style="R"]')) {
    node.textContent = formatTimestamp(Number(node.dataset.ts), "R");
  }
}

// --- channels and members ------------------------------------------------------------------
function renderChannels() {
  const list = $("channels");
  list.replaceChildren();
  for (const channel of state.channels) {
    const item = el("li");
    const button = el("button");
    button.type = "button";
    button.dataset.channel = channel.name;
    button.setAttribute("aria-current", String(channel.id === state.channel));
    button.append(el("span", "hash", "#"), el("span", "name", channel.name));
    if (state.unread.has(channel.id)) button.append(el("span", "unread"));
    button.addEventListener("click", () => load(state.me, channel.id));
    item.append(button);
    list.append(item);
  }
  $("channel-name").textContent = channelName(state.channel);
  $("input").placeholder = `Message #${channelName(state.channel)}`;
  document.title = `#${channelName(state.channel)} · ${state.guild.name}`;
}

const ROLE_GROUPS = [["owner", "Owner"], ["admin", "Admins"], ["manager", "Managers"],
  ["moderator", "Moderators"], ["member", "Members"], ["bot", "Apps"]];

function renderMembers() {
  const switcher = $("member-switch");
  switcher.replaceChildren();
  const rank = (m) => ROLE_GROUPS.findIndex(([role]) => role === m.role);
  const people = state.members.filter((m) => !m.bot).sort((a, b) => rank(a) - rank(b));
  for (const member of people) {
    const option = el("option", "", `${member.name} (${member.role})`);
    option.value = member.id;
    option.selected = member.id === state.me;
    switcher.append(option);
  }
  $("me-avatar").replaceWith(Object.assign(avatar(state.me, true), { id: "me-avatar" }));
  const list = $("member-list");
  list.replaceChildren();
  for (const [role, title] of ROLE_GROUPS) {
    const group = state.members.filter((m) => m.role === role);
    if (!group.length) continue;
    list.append(el("div", "member-group", `${title} — ${group.length}`));
    for (const member of group) {
      const row = el("button", "member");
      row.type = "button";
      row.title = member.bot ? member.name : `Act as ${member.name}`;
      row.setAttribute("aria-current", String(member.id === state.me));
      row.append(avatar(member.id, true), el("span", "member-name", member.name));
      if (member.bot) row.append(el("span", "badge", "APP"));
      else row.addEventListener("click", () => load(member.id, state.channel));
      list.append(row);
    }
  }
}

// --- talking to the local Discord ----------------------------------------------------------
function showError(text) {
  const box = $("composer-error");
  box.textContent = text || "";
  box.hidden = !text;
}

async function act(payload) {
  showError("");
  let answer;
  try {
    const response = await fetch("/sandbox/act", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ member: state.me, channel: state.channel, ...payload }),
    });
    answer = await response.json();
  } catch (error) {
    showError("The local Discord is not answering (was the sandbox stopped?)");
    return null;
  }
  if (answer.error) { showError(answer.error); return null; }
  return answer;
}

async function fetchState(memberId, channelId) {
  const query = new URLSearchParams();
  if (memberId) query.set("member", memberId);
  if (channelId) query.set("channel", channelId);
  const response = await fetch(`/sandbox/state?${query}`);
  const data = await response.json();
  if (!data.error) return data;
  showError(data.error);
  return memberId || channelId ? fetchState(null, null) : null;
}

async function load(memberId, channelId) {
  // The socket of the member is open before the messages are read, and what it brings in
  // meanwhile is applied after them: nothing said in between is missed.
  let data = await fetchState(memberId, channelId);
  if (!data) return;
  if ((!state.socket || state.socketMember !== data.me) && !(await connect(data.me))) {
    showError("The local Discord refused the connection: is the sandbox still running?");
    return;
  }
  state.buffer = [];
  data = await fetchState(data.me, data.channel).catch(() => null);
  const buffered = state.buffer || [];
  state.buffer = null;
  if (!data) return;
  Object.assign(state, {
    me: data.me, channel: data.channel, guild: data.guild, bot: data.bot,
    channels: data.channels, members: data.members, roles: data.roles, commands: data.commands,
  });
  state.unread.delete(state.channel);
  history.replaceState(null, "", `/?member=${data.me}&channel=${data.channel}`);
  $("guild-name").textContent = data.guild.name;
  showError("");
  renderChannels();
  renderMembers();
  renderMessages(data.messages);
  buffered.forEach(handleEvent);
  const status = $("status");
  status.textContent = `● live as ${memberName(state.me)}`;
  status.classList.add("live");
  updatePopup();
}

function handleEvent(event) {
  if (state.buffer) { state.buffer.push(event); return; }
  if (event.type === "message") {
    if (event.message.channel_id === state.channel) upsertMessage(event.message);
    else if (!state.unread.has(event.message.channel_id)) {
      state.unread.add(event.message.channel_id);
      renderChannels();
    }
  } else if (event.type === "delete") {
    state.messages.delete(event.id);
    $("messages").querySelector(`li[data-id="${event.id}"]`)?.remove();
  }
}

function connect(memberId) {
  if (state.socket) state.socket.close();
  const serial = ++state.socketSerial;
  const socket = new WebSocket(`ws://${location.host}/sandbox/ws?member=${memberId}`);
  state.socket = socket;
  state.socketMember = memberId;
  const status = $("status");
  status.textContent = "connecting…";
  status.classList.remove("live");
  return new Promise((resolve) => {
    socket.addEventListener("message", (frame) => {
      const event = JSON.parse(frame.data);
      if (event.type === "hello") resolve(true);
      else handleEvent(event);
    });
    socket.addEventListener("close", () => {
      resolve(false);
      if (serial !== state.socketSerial) return;
      status.textContent = "disconnected: is the sandbox still running?";
      status.classList.remove("live");
      state.socket = null;
    });
  });
}

// --- the message box: slash commands with option prompts and autocomplete ------------------
const OPTION_RE = /(?:^|\s)([a-z0-9_-]{1,32}):(?=\s|$)/g;
const TYPE_NAMES = { 3: "text", 4: "whole number", 5: "true/false", 6: "member", 7: "channel", 8: "role", 9: "member or role", 10: "number", 11: "file" };

function parseLine(text) {
  // "/quiz start rounds: 3 mode: buttons" -> {command, options: [{name, value, raw}], before}
  const body = text.slice(1);
  let command = null;
  for (const c of state.commands) {
    if ((body === c.path || body.startsWith(`${c.path} `)) && (!command || c.path.length > command.path.length)) command = c;
  }
  if (!command) return { command: null, prefix: body };
  const rest = body.slice(command.path.length);
  const marks = [...rest.matchAll(OPTION_RE)];
  const options = marks.map((mark, i) => {
    const end = i + 1 < marks.length ? marks[i + 1].index : rest.length;
    return { name: mark[1], value: rest.slice(mark.index + mark[0].length, end).trim(), raw: rest.slice(mark.index + mark[0].length, end) };
  });
  const before = marks.length ? rest.slice(0, marks[0].index) : rest;
  return { command, options, before: before.trim(), endsWithSpace: /\s$/.test(rest) };
}

function optionSpec(command, name) { return command.options.find((o) => o.name === name); }

function setSuggestions(title, items, help, chips) {
  state.suggestions = items;
  if (state.selected >= items.length) state.selected = -1;
  const popup = $("popup");
  popup.replaceChildren();
  if (!items.length && !help && !chips) { popup.hidden = true; return; }
  if (title) popup.append(el("div", "popup-title", title));
  if (chips) popup.append(chips);
  if (help) popup.append(el("div", "popup-help", help));
  items.forEach((item, i) => {
    const row = el("div", "suggestion");
    row.setAttribute("role", "option");
    row.setAttribute("aria-selected", String(i === state.selected));
    row.append(el("span", "name", item.label));
    if (item.description) row.append(el("span", "desc", item.description));
    row.addEventListener("mousedown", (event) => { event.preventDefault(); pick(i); });
    popup.append(row);
  });
  popup.hidden = false;
}

function optionChips(command, given, current) {
  const chips = el("div", "option-chips");
  for (const option of command.options) {
    const chip = el("span", "chip");
    if (given.includes(option.name)) chip.classList.add("given");
    if (option.name === current) chip.classList.add("current");
    chip.append(option.name);
    if (option.required) chip.append(el("span", "req", "*"));
    chip.title = option.description || "";
    chips.append(chip);
  }
  return chips;
}

function updatePopup() {
  const input = $("input");
  const text = input.value;
  if (!text.startsWith("/")) { setSuggestions("", []); return; }
  const parsed = parseLine(text);
  if (!parsed.command) {
    const prefix = parsed.prefix.trimStart().toLowerCase();
    const matches = state.commands.filter((c) => c.path.startsWith(prefix) || c.path.includes(` ${prefix}`));
    setSuggestions(matches.length ? `Commands matching /${prefix}` : `No command /${prefix}`,
      matches.map((c) => ({ label: `/${c.path}`, description: c.description, insert: `/${c.path} ` })));
    return;
  }
  const { command, options } = parsed;
  const given = options.map((o) => o.name);
  const lastWord = (text.match(/(\S*)$/) || ["", ""])[1];
  const open = options[options.length - 1];
  // The option being typed: the last one, until a space follows its value.
  const current = open && !(parsed.endsWithSpace && open.value) ? optionSpec(command, open.name) : null;
  if (current) {
    const chips = optionChips(command, given, current.name);
    const help = `${current.name}${current.required ? "" : " (optional)"}: ${current.description || ""} — ${TYPE_NAMES[current.type] || "value"}`
      + (current.min_value !== undefined ? `, from ${current.min_value}` : "")
      + (current.max_value !== undefined ? ` to ${current.max_value}` : "");
    const wanted = open.value.toLowerCase();
    let items = [];
    if (current.choices) {
      items = current.choices.filter((c) => String(c.name).toLowerCase().includes(wanted))
        .map((c) => ({ label: c.name, option: current.name, value: c.name }));
    } else if (current.type === 6 || current.type === 9) {
      items = state.members.filter((m) => !m.bot && m.name.toLowerCase().includes(wanted.replace(/^@/, "")))
        .map((m) => ({ label: `@${m.name}`, description: m.role, option: current.name, value: m.name }));
    } else if (current.type === 7) {
      items = state.channels.filter((c) => c.name.includes(wanted.replace(/^#/, "")))
        .map((c) => ({ label: `#${c.name}`, option: current.name, value: `#${c.name}` }));
    } else if (current.type === 5) {
      items = ["true", "false"].filter((v) => v.startsWith(wanted)).map((v) => ({ label: v, option: current.name, value: v }));
    }
    setSuggestions(`/${command.path}`, items, help, chips);
    if (current.autocomplete) autocomplete(command, options, current);
    return;
  }
  const partial = (!options.length ? parsed.before : (parsed.endsWithSpace ? "" : lastWord)).toLowerCase();
  const remaining = command.options.filter((o) => !given.includes(o.name) && o.name.startsWith(partial));
  const chips = optionChips(command, given, null);
  const missing = command.options.filter((o) => o.required && !given.includes(o.name));
  const help = missing.length ? `Required: ${missing.map((o) => o.name).join(", ")}` : (command.description || "");
  setSuggestions(`/${command.path}`, remaining.map((o) => ({
    label: `${o.name}${o.required ? "*" : ""}`, description: o.description, optionName: o.name,
  })), help, chips);
}

let autocompleteTimer = null;
function autocomplete(command, options, current) {
  clearTimeout(autocompleteTimer);
  const serial = ++state.completeSerial;
  autocompleteTimer = setTimeout(async () => {
    const values = Object.fromEntries(options.map((o) => [o.name, valueFor(o)]));
    const response = await fetch("/sandbox/act", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ action: "autocomplete", member: state.me, channel: state.channel, command: command.path, options: values, focused: current.name }),
    }).catch(() => null);
    if (!response || serial !== state.completeSerial) return;
    const answer = await response.json();
    if (serial !== state.completeSerial) return;
    if (answer.error) { setSuggestions(`/${command.path}`, [], answer.error); return; }
    setSuggestions(`/${command.path} · ${current.name}`, answer.choices.map((c) => ({
      label: c.name, option: current.name, value: c.name, sendValue: c.value,
    })), `${current.name}: ${current.description || ""}${answer.choices.length ? "" : " — no suggestions"}`,
    optionChips(command, options.map((o) => o.name), current.name));
  }, 120);
}

function valueFor(option) {
  const picked = state.picked[option.name];
  return picked && picked.name === option.value ? String(picked.value) : option.value;
}

function pick(index) {
  const item = state.suggestions[index];
  if (!item) return;
  const input = $("input");
  if (item.insert) {
    input.value = item.insert;
  } else if (item.optionName) {
    input.value = input.value.replace(/(\S*)$/, "").replace(/\s*$/, " ") + `${item.optionName}: `;
  } else if (item.option) {
    const text = input.value;
    const marker = new RegExp(`(^|\\s)${item.option}:(?=\\s|$)`, "g");
    let last = null;
    for (const m of text.matchAll(marker)) last = m;
    if (last) input.value = `${text.slice(0, last.index + last[0].length)} ${item.value} `;
    if (item.sendValue !== undefined) state.picked[item.option] = { name: item.value, value: item.sendValue };
  }
  state.selected = -1;
  state.navigated = false;
  input.focus();
  updatePopup();
}

async function send() {
  const input = $("input");
  const text = input.value.trim();
  if (!text) return;
  if (text.startsWith("/")) {
    const parsed = parseLine(text);
    if (!parsed.command) {
      // Not one of this member's commands: the local Discord says whether it exists at all.
      const marks = [...parsed.prefix.matchAll(OPTION_RE)];
      const path = (marks.length ? parsed.prefix.slice(0, marks[0].index) : parsed.prefix).trim();
      const options = {};
      marks.forEach((mark, i) => {
        const end = i + 1 < marks.length ? marks[i + 1].index : parsed.prefix.length;
        options[mark[1]] = parsed.prefix.slice(mark.index + mark[0].length, end).trim();
      });
      await act({ action: "slash", command: path, options });
      return;
    }
    if (parsed.before) {
      showError(`Options look like “name: value”: /${parsed.command.path} ${parsed.command.options.map((o) => `${o.name}:`).join(" ")}`);
      return;
    }
    const options = {};
    for (const option of parsed.options) options[option.name] = valueFor(option);
    const answer = await act({ action: "slash", command: parsed.command.path, options });
    if (answer) { input.value = ""; state.picked = {}; updatePopup(); }
    return;
  }
  const answer = await act({ action: "message", content: text });
  if (answer) input.value = "";
}

function setup() {
  const input = $("input");
  input.addEventListener("input", () => { state.selected = -1; state.navigated = false; updatePopup(); });
  input.addEventListener("keydown", (event) => {
    const count = state.suggestions.length;
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && count) {
      event.preventDefault();
      state.navigated = true;
      state.selected = (state.selected + (event.key === "ArrowDown" ? 1 : count - 1) + (state.selected < 0 && event.key === "ArrowUp" ? 1 : 0)) % count;
      [...$("popup").querySelectorAll(".suggestion")].forEach((row, i) => row.setAttribute("aria-selected", String(i === state.selected)));
    } else if (event.key === "Tab" && count) {
      event.preventDefault();
      pick(state.selected >= 0 ? state.selected : 0);
    } else if (event.key === "Enter") {
      event.preventDefault();
      const unmatched = input.value.startsWith("/") && !parseLine(input.value).command;
      if (count && (state.navigated || unmatched) ) pick(state.selected >= 0 ? state.selected : 0);
      else send();
    } else if (event.key === "Escape") {
      setSuggestions("", []);
    }
  });
  input.addEventListener("blur", () => setTimeout(() => { if (document.activeElement !== input) $("popup").hidden = true; }, 150));
  input.addEventListener("focus", updatePopup);
  $("composer").addEventListener("submit", (event) => event.preventDefault());
  $("member-switch").addEventListener("change", (event) => load(event.target.value, state.channel));
  $("messages").addEventListener("click", (event) => {
    if (event.target.classList.contains("spoiler")) event.target.classList.add("shown");
  });
  document.addEventListener("keydown", (event) => {
    // As in Discord: typing anywhere goes to the message box.
    const typing = event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey;
    if (typing && document.activeElement === document.body) input.focus();
  });
  input.focus();
  setInterval(tickTimestamps, 1000);
  const query = new URLSearchParams(location.search);
  load(query.get("member"), query.get("channel"));
}

document.addEventListener("DOMContentLoaded", setup);
