"use strict";
// dieuphoi sandbox web chat: plays every person of the demo team against the real bot.
// Plain browser JavaScript, no framework and no build step. Acting goes through the sandbox's
// control API (/sandbox/...), news arrives as server-sent events (/webchat/events).
// Nothing from a message is ever parsed as HTML: text is laid out from Telegram's entities
// with createElement/textContent only.

// --- the page's own words (the bot's messages are the bot's) ---------------------------------

const WORDS = {
  vi: {
    tagline: "hộp cát: thử mọi vai trò, không cần tài khoản Telegram",
    botClock: "Giờ của bot:",
    plusHour: "+1 giờ",
    at1700: "17:00",
    morning: "Sáng mai 07:30",
    plusDay: "+1 ngày",
    clockTip: "Đẩy đồng hồ của bot tới trước, rồi bot làm ngay những việc đến hạn (nhắc việc, báo cáo, bản tổng hợp).",
    clockBusy: "bot đang làm những việc đến hạn…",
    clockMoved: "Đồng hồ của bot: {time}",
    pickSomeone: "Chọn một người để xem Telegram của họ. Mọi tin nhắn đều đi qua bot thật.",
    newCitizen: "+ Người dân mới",
    welcomeTitle: "dieuphoi làm gì cho từng người trong tổ?",
    welcomeText: "Đây là dieuphoi chạy thật, nối với một Telegram giả lập ngay trên máy này. Cột bên trái là cả Tổ CNTT phục vụ phòng chống dịch (nhân vật hư cấu), một người dân và nhóm chung của tổ. Chọn một người để đọc và viết trong Telegram của họ: tin nhắn, nút bấm, ảnh và tệp hiện ra như trên điện thoại.",
    tourTitle: "Thử trong năm phút",
    tour1: "Tổ trưởng (Hoàng Mạnh Cường): mở “☰ Lệnh” và giao một việc cho một thành viên.",
    tour2: "Thành viên nhận thẻ việc: bấm nút nhận việc, rồi trả lời thẻ (↩) bằng “xong roi” hoặc “vuong …”.",
    tour3: "Quay lại Tổ trưởng: thẻ việc đã được cập nhật ngay tại chỗ.",
    tour4: "Bấm “Sáng mai 07:30” trên đồng hồ: Giám đốc Sở nhận bản tổng hợp kèm biểu đồ, việc trễ hạn được nhắc.",
    tour5: "Người dân (Nguyễn Thị Hoa) hỏi “cach quet ma qr” và nhận câu trả lời ngay.",
    welcomeNote: "Mọi thứ chạy trên máy này, không cần mạng. Dữ liệu mất khi tắt chương trình.",
    typing: "đang nhập…",
    startButton: "BẮT ĐẦU",
    speakAs: "Nói với tư cách:",
    replyingTo: "Trả lời",
    menuButton: "☰ Lệnh",
    inputPlaceholder: "Viết tin nhắn… (gõ / để xem lệnh)",
    send: "Gửi",
    reply: "↩ Trả lời",
    edited: "đã sửa",
    download: "Tải về",
    forwardedFrom: "Chuyển tiếp từ {name}",
    menuTitle: "Menu lệnh của {name}",
    menuEmpty: "Chưa có menu lệnh: menu xuất hiện sau lần đầu người này nhắn cho bot.",
    emptyChat: "Chưa có tin nhắn nào với bot.",
    emptyGroup: "Chưa có tin nhắn trong nhóm.",
    tryLabel: "Thử:",
    statusHint: "Báo tiến độ bằng cách trả lời thẻ việc: bấm “↩ Trả lời” trên thẻ việc rồi gửi.",
    groupTitle: "Nhóm của tổ",
    groupMembers: "{n} thành viên",
    intro_group: "Nhóm chung của tổ: bot đăng thông báo, triệu tập và tổng hợp cho cả tổ. Chọn người nói ở ô bên dưới.",
    role_director: "Giám đốc Sở",
    role_leader: "Tổ trưởng",
    role_deputy: "Tổ phó",
    role_member: "Thành viên",
    role_unit_manager: "Thủ trưởng đơn vị",
    role_citizen: "Người dân",
    intro_director: "Giám đốc Sở nhận bản tổng hợp buổi sáng (kèm biểu đồ và bảng tính) hoặc khi cần, phê duyệt hay từ chối đề nghị trưng dụng cán bộ, yêu cầu báo cáo đột xuất.",
    intro_leader: "Tổ trưởng giao việc theo lĩnh vực và chức năng của từng người, theo dõi tiến độ, triệu tập tổ, đề nghị Giám đốc trưng dụng cán bộ của đơn vị khác.",
    intro_deputy: "Tổ phó làm như Tổ trưởng: giao việc, theo dõi tiến độ, triệu tập, đề nghị trưng dụng.",
    intro_member: "Thành viên nhận việc ngay trong chat, bấm nhận việc, trả lời thẻ việc bằng tiến độ (“xong roi”, “vuong …”, “50%”), nộp báo cáo số liệu định kỳ.",
    intro_unit_manager: "Thủ trưởng đơn vị được báo khi cán bộ của đơn vị mình được triệu tập hoặc trưng dụng.",
    intro_citizen: "Người dân hỏi cách quét mã QR, khai báo y tế, đăng ký điểm QR cho cơ sở kinh doanh, tra chứng nhận tiêm và kết quả xét nghiệm; gõ không dấu cũng được.",
    examples_citizen: ["cach quet ma qr", "khai bao y te o dau", "dang ky diem quet qr cho quan an", "/start"],
    photo: "[Ảnh]",
    file: "[Tệp]",
    groupAvatar: "Tổ",
    photoAlt: "Ảnh bot gửi",
    joined: "{names} đã vào nhóm",
    upgraded: "Nhóm đã được nâng cấp thành siêu nhóm",
    serviceMessage: "(tin nhắn hệ thống)",
    weekdays: ["Chủ Nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"],
    disconnected: "Mất kết nối với hộp cát; đang thử lại…",
  },
  en: {
    tagline: "sandbox: try every role, no Telegram account needed",
    botClock: "Bot's time:",
    plusHour: "+1 hour",
    at1700: "17:00",
    morning: "Next 07:30",
    plusDay: "+1 day",
    clockTip: "Move the bot's clock forward; the bot then does at once what fell due (reminders, reports, digests).",
    clockBusy: "the bot is doing what fell due…",
    clockMoved: "Bot's clock: {time}",
    pickSomeone: "Pick someone to see their Telegram. Every message goes through the real bot.",
    newCitizen: "+ New citizen",
    welcomeTitle: "What does dieuphoi do for each person on the team?",
    welcomeText: "This is dieuphoi running for real, connected to a Telegram simulated on this machine. On the left: the whole COVID-19 IT task force (fictional people), a citizen and the team's group. Pick someone to read and write in their Telegram: messages, buttons, pictures and files appear as on a phone.",
    tourTitle: "Try it in five minutes",
    tour1: "The leader (Hoàng Mạnh Cường): open “☰ Menu” and assign a task to a member.",
    tour2: "The member gets a task card: press its acknowledge button, then reply (↩) to the card with “xong roi” (done) or “vuong …” (blocked).",
    tour3: "Back to the leader: the task card has been updated in place.",
    tour4: "Press “Next 07:30” on the clock: the Director receives the digest with its chart, late tasks are reminded.",
    tour5: "The citizen (Nguyễn Thị Hoa) asks “cach quet ma qr” (how to scan the QR code) and gets the answer at once.",
    welcomeNote: "Everything runs on this machine, offline. The data is gone when the program stops.",
    typing: "typing…",
    startButton: "START",
    speakAs: "Speak as:",
    replyingTo: "Reply to",
    menuButton: "☰ Menu",
    inputPlaceholder: "Write a message… (type / for commands)",
    send: "Send",
    reply: "↩ Reply",
    edited: "edited",
    download: "Download",
    forwardedFrom: "Forwarded from {name}",
    menuTitle: "{name}'s command menu",
    menuEmpty: "No command menu yet: it appears after this person's first message to the bot.",
    emptyChat: "No messages with the bot yet.",
    emptyGroup: "No messages in the group yet.",
    tryLabel: "Try:",
    statusHint: "Report progress by replying to the task card: press “↩ Reply” on the card, then send.",
    groupTitle: "Team group",
    groupMembers: "{n} members",
    intro_group: "The team's shared group: the bot posts announcements, convocations and digests for everyone. Choose who speaks below.",
    role_director: "Director",
    role_leader: "Team leader",
    role_deputy: "Deputy leaders",
    role_member: "Members",
    role_unit_manager: "Unit managers",
    role_citizen: "Citizens",
    intro_director: "The Director receives the morning digest (with a chart and a spreadsheet) or one on demand, approves or rejects secondment requests, and asks for ad-hoc reports.",
    intro_leader: "The team leader assigns tasks by each member's area and function, follows progress, convenes the team, and asks the Director to second civil servants from other units.",
    intro_deputy: "Deputies do what the leader does: assign tasks, follow progress, convene, propose secondments.",
    intro_member: "Members get tasks in chat, acknowledge them, reply to the task card with their status (“xong roi”, “vuong …”, “50%”) and submit the periodic figures.",
    intro_unit_manager: "Unit managers are told when their staff are convened or seconded.",
    intro_citizen: "Citizens ask how to scan a QR check-in code, declare their health, register a business's QR point, find vaccination certificates and test results; typing without diacritics works.",
    examples_citizen: ["how do I scan a QR code", "cach quet ma qr", "khai bao y te o dau", "/start"],
    photo: "[Photo]",
    file: "[File]",
    groupAvatar: "Team",
    photoAlt: "Picture sent by the bot",
    joined: "{names} joined the group",
    upgraded: "The group was upgraded to a supergroup",
    serviceMessage: "(service message)",
    weekdays: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
    disconnected: "Lost the connection to the sandbox; retrying…",
  },
};

// What each role might type; commands are offered only when the person's menu has them.
const EXAMPLES = {
  director: ["/tonghop", "/yeucau báo cáo tuần hạn 17h mai", "/viec"],
  leader: [
    "/giao @hung_vm Kiểm tra mã QR tại chợ đầu mối hạn 17h hôm nay",
    "/trieutap tất cả Họp giao ban lúc 14h chiều mai tại Phòng họp tầng 3",
    "/viec", "/tonghop",
  ],
  deputy: ["/giao #hotro Trực tổng đài hỗ trợ người dân hạn 12h mai", "/trungdung", "/viec"],
  member: ["/viec", "/baocao", "xong roi", "duoc 50%", "vuong: chua co tai khoan quan tri"],
  unit_manager: ["/trogiup"],
};
const ROLE_ORDER = ["director", "leader", "deputy", "member", "unit_manager", "citizen"];

let language = localStorage.getItem("dieuphoi.language") === "en" ? "en" : "vi";

function t(key, values = {}) {
  const template = WORDS[language][key] ?? WORDS.vi[key] ?? key;
  if (typeof template !== "string") return template;
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

// --- what the page knows --------------------------------------------------------------------

const state = {
  bot: null,
  people: [],
  group: null,
  chats: new Map(), // chat id -> Map(message id -> message as the control API shows it)
  unread: new Map(), // chat id -> bot messages not seen yet
  current: null, // {chatId, personId}; personId is null for the group
  speaker: null, // who speaks in the group
  replyTo: null, // the message being replied to
  lastSeq: 0,
  pressed: new Set(), // callback query ids pressed from this page, waiting for the bot's answer
  answers: new Map(), // callback answers that arrived before the press request returned
  clock: null, // {epochMs, zone, fetchedAt}
  menu: [],
  menuRequest: 0, // bumped by every open and close, so a late answer does not reopen a closed menu
};

const $ = (id) => document.getElementById(id);

function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs || {})) node.setAttribute(name, value);
  if (options.onClick) node.addEventListener("click", options.onClick);
  for (const child of children) if (child) node.append(child);
  return node;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let answer;
  try {
    answer = await response.json();
  } catch {
    answer = { ok: false, error: response.statusText };
  }
  if (!answer.ok) throw new Error(answer.error || response.statusText);
  return answer.result;
}

// --- start ------------------------------------------------------------------------------------

async function boot() {
  wireControls();
  applyLanguage();
  const [info, stats] = await Promise.all([api("GET", "/webchat/people"), api("GET", "/sandbox/stats")]);
  state.bot = info.bot;
  state.people = info.people;
  state.group = info.group;
  state.speaker = (state.people.find((p) => p.role === "leader") || state.people[0] || {}).id ?? null;
  setClock(info.clock);
  state.lastSeq = stats.last_seq;
  openStream();
  const existing = new Set((await api("GET", "/sandbox/chats")).map((chat) => chat.id));
  await Promise.all(chatIds().map((id) => (existing.has(id) ? loadChat(id) : null)));
  renderPeople();
  const wanted = Number(location.hash.slice(1));
  if (wanted && chatIds().includes(wanted)) select(wanted);
  setInterval(showClock, 1000);
  document.body.dataset.ready = "true";
}

function chatIds() {
  const ids = state.people.map((p) => p.id);
  if (state.group) ids.unshift(state.group.id);
  return ids;
}

async function loadChat(chatId) {
  for (const message of (await api("GET", `/sandbox/chats/${chatId}`)).messages) store(message);
}

// --- the event stream -------------------------------------------------------------------------

function openStream() {
  const stream = new EventSource(`/webchat/events?after=${state.lastSeq}`);
  stream.onmessage = (event) => onEvent(JSON.parse(event.data));
  stream.onerror = () => {
    document.body.dataset.stream = "retrying";
  };
  stream.onopen = () => {
    document.body.dataset.stream = "open";
  };
}

function onEvent(event) {
  state.lastSeq = Math.max(state.lastSeq, event.seq);
  if (["message", "edit", "delete"].includes(event.kind) && event.message) {
    const isNew = store(event.message);
    if (isNew && event.kind === "message" && event.message.by_bot && !isOpen(event.message.chat_id)) {
      state.unread.set(event.message.chat_id, (state.unread.get(event.message.chat_id) || 0) + 1);
    }
    if (isOpen(event.message.chat_id)) showMessage(event.message, event.kind === "message");
    updatePerson(event.message.chat_id);
  } else if (event.kind === "callback_answer") {
    if (state.pressed.has(event.callback_query_id)) {
      state.pressed.delete(event.callback_query_id);
      showAnswer(event);
    } else {
      state.answers.set(event.callback_query_id, event);
    }
  } else if (event.kind === "commands") {
    if (!$("menu-popup").hidden) openMenu();
    if (state.current) refreshExamples();
  } else if (event.kind === "chat_action" && state.current && event.chat_id === state.current.chatId) {
    $("typing").hidden = false;
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(() => { $("typing").hidden = true; }, 3000);
  }
}

/** Keep the newest version of a message; true if the page had not seen it at all. */
function store(message) {
  let chat = state.chats.get(message.chat_id);
  if (!chat) {
    chat = new Map();
    state.chats.set(message.chat_id, chat);
  }
  const known = chat.get(message.message_id);
  if (known && known.seq >= message.seq) return false;
  chat.set(message.message_id, message);
  return !known;
}

function isOpen(chatId) {
  return state.current !== null && state.current.chatId === chatId;
}

// --- the people list ---------------------------------------------------------------------------

function person(id) {
  return state.people.find((p) => p.id === id);
}

function initials(name) {
  const words = name.trim().split(/\s+/);
  return (words[words.length - 1] || "?").charAt(0).toUpperCase();
}

function renderPeople() {
  const list = $("people");
  list.replaceChildren();
  if (state.group) {
    list.append(el("div", { className: "role-heading", text: t("groupTitle") }));
    list.append(personButton(state.group.id, state.group.title, "group"));
  }
  for (const role of ROLE_ORDER) {
    const members = state.people.filter((p) => p.role === role);
    if (!members.length) continue;
    list.append(el("div", { className: "role-heading", text: t(`role_${role}`) }));
    for (const p of members) list.append(personButton(p.id, p.name, role));
  }
  if (state.current) markActive();
}

function personButton(chatId, name, role) {
  const button = el("button", {
    className: "person",
    attrs: { type: "button", "data-chat-id": String(chatId), "data-role": role },
    onClick: () => select(chatId),
  }, [
    el("span", { className: `avatar role-${role}`, text: role === "group" ? t("groupAvatar") : initials(name) }),
    el("span", { className: "person-text" }, [
      el("div", { className: "person-name", text: name }),
      el("div", { className: "person-line" }),
    ]),
    el("span", { className: "badge", attrs: { hidden: "" } }),
  ]);
  fillPersonLine(button, chatId);
  return button;
}

function fillPersonLine(button, chatId) {
  const last = lastMessage(chatId);
  const p = person(chatId);
  button.querySelector(".person-line").textContent = p ? [p.title, p.unit].filter(Boolean).join(" · ") : "";
  button.title = last ? summary(last) : "";
  const badge = button.querySelector(".badge");
  const unread = state.unread.get(chatId) || 0;
  badge.textContent = String(unread);
  badge.hidden = unread === 0;
}

function updatePerson(chatId) {
  const button = document.querySelector(`.person[data-chat-id="${chatId}"]`);
  if (button) fillPersonLine(button, chatId);
}

function lastMessage(chatId) {
  const chat = state.chats.get(chatId);
  if (!chat || !chat.size) return null;
  return [...chat.values()].filter((m) => !m.deleted).sort((a, b) => a.message_id - b.message_id).pop() || null;
}

function summary(message) {
  if (message.photo) return `${t("photo")} ${message.caption || ""}`.trim();
  if (message.document) return `${t("file")} ${message.document.file_name || ""}`;
  const text = message.text || message.caption;
  if (text) return text.replace(/\s+/g, " ").slice(0, 160);
  return serviceText(message);
}

function markActive() {
  for (const button of document.querySelectorAll(".person")) {
    button.classList.toggle("active", Number(button.dataset.chatId) === state.current.chatId);
  }
}

// --- one conversation --------------------------------------------------------------------------

function select(chatId) {
  const isGroup = state.group && chatId === state.group.id;
  state.current = { chatId, personId: isGroup ? null : chatId };
  cancelReply();
  state.unread.delete(chatId);
  history.replaceState(null, "", `#${chatId}`);
  $("welcome").hidden = true;
  $("conversation").hidden = false;
  closeMenu();
  markActive();
  updatePerson(chatId);
  renderHeader();
  renderMessages();
  renderComposer();
  refreshExamples();
  $("composer-input").focus();
}

function viewer() {
  return state.current.personId ?? state.speaker;
}

function renderHeader() {
  const { chatId, personId } = state.current;
  const avatar = $("chat-avatar");
  if (personId === null) {
    avatar.className = "avatar role-group";
    avatar.textContent = t("groupAvatar");
    $("chat-name").textContent = state.group.title;
    $("chat-subtitle").textContent = t("groupMembers", { n: state.group.member_ids.length });
    $("role-text").textContent = t("intro_group");
    return;
  }
  const p = person(chatId);
  avatar.className = `avatar role-${p.role}`;
  avatar.textContent = initials(p.name);
  $("chat-name").textContent = p.name;
  const areas = p.areas.length ? ` · ${p.areas.join(", ")}` : "";
  $("chat-subtitle").textContent = [t(`role_${p.role}`), p.title, p.unit].filter(Boolean).join(" · ") + areas;
  $("role-text").textContent = t(`intro_${p.role}`);
}

async function refreshExamples() {
  const box = $("examples");
  const p = state.current.personId === null ? null : person(state.current.personId);
  const wanted = p ? (p.role === "citizen" ? t("examples_citizen") : EXAMPLES[p.role] || []) : [];
  const menu = wanted.some((text) => text.startsWith("/")) ? await fetchMenu() : [];
  const known = new Set(menu.map((c) => `/${c.command}`));
  const shown = wanted.filter((text) => !text.startsWith("/") || known.has(text.split(" ")[0]) || text === "/start");
  box.replaceChildren();
  if (!shown.length) return;
  box.append(el("span", { className: "label", text: t("tryLabel") }));
  for (const text of shown) {
    const isStatus = p && p.role === "member" && !text.startsWith("/");
    box.append(el("button", {
      className: "example", text, attrs: { type: "button", title: isStatus ? t("statusHint") : "" },
      onClick: () => {
        const input = $("composer-input");
        input.value = /^\/\w+$/.test(text) ? `${text} ` : text;
        input.focus();
        if (isStatus) toast(t("statusHint"));
      },
    }));
  }
}

function sortedMessages(chatId) {
  const chat = state.chats.get(chatId) || new Map();
  return [...chat.values()].filter((m) => !m.deleted).sort((a, b) => a.message_id - b.message_id);
}

function renderMessages() {
  const box = $("messages");
  box.replaceChildren();
  const messages = sortedMessages(state.current.chatId);
  let day = null;
  for (const message of messages) {
    const thisDay = dayLabel(message.date);
    if (thisDay !== day) {
      box.append(el("div", { className: "day", text: thisDay }));
      day = thisDay;
    }
    box.append(messageElement(message));
  }
  if (!messages.length) {
    box.append(el("div", {
      className: "empty-chat", text: state.current.personId === null ? t("emptyGroup") : t("emptyChat"),
    }));
  }
  box.scrollTop = box.scrollHeight;
}

function showMessage(message, isNewEvent) {
  const box = $("messages");
  const existing = box.querySelector(`.message[data-message-id="${message.message_id}"]`);
  if (message.deleted) {
    if (existing) existing.remove();
    return;
  }
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  if (existing) {
    existing.replaceWith(messageElement(message));
  } else {
    const empty = box.querySelector(".empty-chat");
    if (empty) empty.remove();
    const thisDay = dayLabel(message.date);
    const days = box.querySelectorAll(".day");
    if (!days.length || days[days.length - 1].textContent !== thisDay) {
      box.append(el("div", { className: "day", text: thisDay }));
    }
    box.append(messageElement(message));
  }
  if (nearBottom || (isNewEvent && !message.by_bot)) box.scrollTop = box.scrollHeight;
  renderComposer();
}

function senderName(message) {
  if (message.by_bot) return state.bot ? state.bot.first_name : "bot";
  const p = person(message.from.id);
  return p ? p.name : [message.from.last_name, message.from.first_name].filter(Boolean).join(" ");
}

function messageElement(message) {
  const mine = !message.by_bot && message.from.id === viewer();
  const service = message.service && Object.keys(message.service).length > 0;
  const node = el("div", {
    className: `message${mine ? " mine" : ""}${message.by_bot ? " from-bot" : ""}${service ? " service" : ""}`,
    attrs: { "data-message-id": String(message.message_id), "data-seq": String(message.seq) },
  });
  const bubble = el("div", { className: "bubble" });
  node.append(bubble);
  if (service) {
    bubble.append(el("span", { text: serviceText(message) }));
    return node;
  }
  if (!mine && state.current.personId === null) bubble.append(el("div", { className: "sender", text: senderName(message) }));
  if (message.forward_from_id) {
    const from = person(message.forward_from_id);
    bubble.append(el("div", { className: "forwarded", text: t("forwardedFrom", { name: from ? from.name : message.forward_from_id }) }));
  }
  if (message.reply_to_message_id) bubble.append(quote(message));
  if (message.photo && message.photo.length) {
    const largest = message.photo[message.photo.length - 1];
    const image = el("img", { className: "photo", attrs: { src: largest.download_url, alt: t("photoAlt"), loading: "lazy" } });
    bubble.append(el("a", { attrs: { href: largest.download_url, target: "_blank", rel: "noopener" } }, [image]));
  }
  if (message.document) bubble.append(documentLink(message.document));
  const text = message.text ?? message.caption;
  const entities = message.text !== null && message.text !== undefined ? message.entities : message.caption_entities;
  if (text) bubble.append(formatted(text, entities || []));
  const meta = el("div", { className: "meta" });
  meta.append(el("button", {
    className: "reply-action", text: t("reply"), attrs: { type: "button" },
    onClick: () => startReply(message),
  }));
  if (message.edit_count > 0) meta.append(el("span", { className: "edited", text: t("edited") }));
  meta.append(el("span", { className: "time", text: timeLabel(message.date) }));
  bubble.append(meta);
  const keyboard = message.reply_markup && message.reply_markup.inline_keyboard;
  if (keyboard && keyboard.length) node.append(keyboardElement(message, keyboard));
  return node;
}

function quote(message) {
  const chat = state.chats.get(message.chat_id);
  const original = chat && chat.get(message.reply_to_message_id);
  const box = el("div", { className: "quote", onClick: () => highlight(message.reply_to_message_id) });
  if (!original) return box;
  box.append(el("span", { className: "quote-who", text: senderName(original) }));
  box.append(el("span", { className: "quote-text", text: summary(original) }));
  return box;
}

function highlight(messageId) {
  const target = $("messages").querySelector(`.message[data-message-id="${messageId}"]`);
  if (!target) return;
  target.scrollIntoView({ block: "center", behavior: "smooth" });
  target.classList.remove("highlight");
  void target.offsetWidth;
  target.classList.add("highlight");
}

function documentLink(file) {
  const size = file.file_size ? `${(file.file_size / 1024).toFixed(1)} KB` : "";
  return el("a", {
    className: "document",
    attrs: { href: file.download_url, download: file.file_name || "file", title: t("download") },
  }, [
    el("span", { className: "icon", text: "↓" }),
    el("span", {}, [
      el("div", { className: "file-name", text: file.file_name || t("download") }),
      el("div", { className: "file-size", text: [size, t("download")].filter(Boolean).join(" · ") }),
    ]),
  ]);
}

function keyboardElement(message, keyboard) {
  const box = el("div", { className: "keyboard" });
  for (const row of keyboard) {
    const line = el("div", { className: "row" });
    for (const button of row) {
      if (button.callback_data !== undefined) {
        line.append(el("button", {
          text: button.text, attrs: { type: "button", "data-callback": button.callback_data },
          onClick: (event) => press(message, button, event.currentTarget),
        }));
      } else if (button.url && safeUrl(button.url)) {
        line.append(el("a", { text: `${button.text} ↗`, attrs: { href: safeUrl(button.url), target: "_blank", rel: "noopener noreferrer" } }));
      } else {
        line.append(el("button", { text: button.text, attrs: { type: "button", disabled: "" } }));
      }
    }
    box.append(line);
  }
  return box;
}

function serviceText(message) {
  const service = message.service || {};
  if (service.new_chat_members) {
    return t("joined", { names: service.new_chat_members.map((u) => u.first_name).join(", ") });
  }
  if (service.migrate_to_chat_id || service.migrate_from_chat_id) return t("upgraded");
  return t("serviceMessage");
}

// --- Telegram formatting from entities (never from HTML) -----------------------------------------

function safeUrl(url) {
  try {
    const parsed = new URL(url, location.href);
    return ["http:", "https:", "tg:", "mailto:", "tel:"].includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

/** Text with its entities laid out as nested elements; offsets are UTF-16 units, as in JS strings. */
function formatted(text, entities) {
  const root = { start: 0, end: text.length, entity: null, children: [] };
  const stack = [root];
  const sorted = [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length);
  for (const entity of sorted) {
    const node = { start: entity.offset, end: entity.offset + entity.length, entity, children: [] };
    while (stack.length > 1 && node.start >= stack[stack.length - 1].end) stack.pop();
    const parent = stack[stack.length - 1];
    node.end = Math.min(node.end, parent.end);
    if (node.end <= node.start) continue;
    parent.children.push(node);
    stack.push(node);
  }
  const box = el("div", { className: "text" });
  box.append(build(root, text));
  return box;
}

function build(node, text) {
  const target = node.entity ? entityElement(node.entity, text.slice(node.start, node.end)) : document.createDocumentFragment();
  const inner = target.tagName === "PRE" ? target.firstChild : target;
  let at = node.start;
  for (const child of node.children) {
    if (child.start > at) inner.append(text.slice(at, child.start));
    inner.append(build(child, text));
    at = child.end;
  }
  if (node.end > at) inner.append(text.slice(at, node.end));
  return target;
}

function entityElement(entity, covered) {
  switch (entity.type) {
    case "bold": return el("strong");
    case "italic": return el("em");
    case "underline": return el("u");
    case "strikethrough": return el("s");
    case "code": return el("code");
    case "pre": return el("pre", {}, [el("code", entity.language ? { attrs: { "data-language": entity.language } } : {})]);
    case "blockquote":
    case "expandable_blockquote": return el("blockquote");
    case "spoiler": {
      const node = el("span", { className: "spoiler" });
      node.addEventListener("click", () => node.classList.add("shown"));
      return node;
    }
    case "text_link": return link(entity.url);
    case "url": return link(/^[a-z][a-z0-9+.-]*:/i.test(covered) ? covered : `http://${covered}`);
    case "email": return link(`mailto:${covered}`);
    case "phone_number": return link(`tel:${covered.replace(/[^+\d]/g, "")}`);
    case "bot_command": {
      const node = el("a", { className: "command", attrs: { href: "#", role: "button" } });
      node.addEventListener("click", (event) => {
        event.preventDefault();
        send(covered.split("@")[0]);
      });
      return node;
    }
    case "mention":
    case "text_mention": return el("span", { className: "mention" });
    case "hashtag":
    case "cashtag": return el("span", { className: "hashtag" });
    default: return el("span", { attrs: { "data-entity": entity.type } });
  }
}

function link(url) {
  const href = safeUrl(url || "");
  if (!href) return el("span");
  return el("a", { attrs: { href, target: "_blank", rel: "noopener noreferrer" } });
}

// --- acting --------------------------------------------------------------------------------------

async function send(text, replyTo = state.replyTo) {
  if (!state.current || !text.trim()) return;
  closeMenu();
  try {
    await api("POST", "/sandbox/messages", {
      user_id: viewer(),
      text,
      chat_id: state.current.chatId,
      reply_to: replyTo ? replyTo.message_id : null,
    });
    cancelReply();
  } catch (error) {
    toast(error.message, true);
  }
}

async function press(message, button, node) {
  node.disabled = true;
  try {
    const result = await api("POST", "/sandbox/presses", {
      user_id: viewer(), chat_id: message.chat_id, message_id: message.message_id, data: button.callback_data,
    });
    const early = state.answers.get(result.callback_query_id);
    if (early) {
      state.answers.delete(result.callback_query_id);
      showAnswer(early);
    } else {
      state.pressed.add(result.callback_query_id);
    }
  } catch (error) {
    toast(error.message, true);
  } finally {
    node.disabled = false;
  }
}

function showAnswer(answer) {
  if (!answer.text) return;
  if (answer.show_alert) {
    $("alert-text").textContent = answer.text;
    $("alert-dialog").showModal();
  } else {
    toast(answer.text);
  }
}

function startReply(message) {
  state.replyTo = message;
  $("reply-preview").textContent = `${senderName(message)}: ${summary(message)}`;
  $("reply-bar").hidden = false;
  $("composer-input").focus();
}

function cancelReply() {
  state.replyTo = null;
  $("reply-bar").hidden = true;
}

function renderComposer() {
  if (!state.current) return;
  const isGroup = state.current.personId === null;
  const p = isGroup ? null : person(state.current.personId);
  // Telegram offers START to someone who never opened the bot; after that, the input box.
  const empty = !isGroup && !p.started && sortedMessages(state.current.chatId).length === 0;
  $("start-panel").hidden = !empty;
  $("composer-form").hidden = empty;
  $("speaker-row").hidden = !isGroup;
  if (isGroup) {
    const select = $("speaker");
    if (select.options.length === 0) {
      for (const p of state.people.filter((x) => state.group.member_ids.includes(x.id))) {
        select.append(el("option", { text: `${p.name} (${t(`role_${p.role}`)})`, attrs: { value: String(p.id) } }));
      }
    }
    select.value = String(state.speaker);
  }
}

// --- the command menu ----------------------------------------------------------------------------

async function fetchMenu() {
  if (!state.current) return [];
  try {
    const menu = await api("GET", `/webchat/menu?user_id=${viewer()}&chat_id=${state.current.chatId}`);
    state.menu = menu.commands;
  } catch {
    state.menu = [];
  }
  return state.menu;
}

async function openMenu(prefix = "") {
  const request = ++state.menuRequest;
  const commands = await fetchMenu();
  if (request !== state.menuRequest) return; // closed or reopened meanwhile
  const popup = $("menu-popup");
  popup.replaceChildren();
  const who = state.current.personId === null ? person(state.speaker) : person(state.current.personId);
  popup.append(el("div", { className: "menu-title", text: t("menuTitle", { name: who ? who.name : "" }) }));
  const shown = commands.filter((c) => c.command.startsWith(prefix));
  if (!commands.length) popup.append(el("div", { className: "menu-title", text: t("menuEmpty") }));
  for (const command of shown) {
    popup.append(el("button", {
      className: "menu-item", attrs: { type: "button", "data-command": command.command },
      onClick: () => {
        $("composer-input").value = "";
        send(`/${command.command}`);
      },
    }, [
      el("span", { className: "name", text: `/${command.command}` }),
      el("span", { className: "description", text: command.description }),
    ]));
  }
  popup.hidden = commands.length > 0 && shown.length === 0;
}

function closeMenu() {
  state.menuRequest += 1;
  $("menu-popup").hidden = true;
}

// --- the clock -----------------------------------------------------------------------------------

function setClock(clock) {
  $("clock").hidden = clock === null;
  if (clock) state.clock = { epochMs: clock.epoch_ms, zone: clock.zone, fetchedAt: Date.now() };
  showClock();
}

function botNow() {
  return state.clock ? state.clock.epochMs + (Date.now() - state.clock.fetchedAt) : Date.now();
}

function zoneParts(epochMs) {
  const zone = state.clock ? state.clock.zone : undefined;
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    weekday: "short", hourCycle: "h23",
  }).formatToParts(new Date(epochMs));
  const value = Object.fromEntries(parts.map((p) => [p.type, p.value]));
  const weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(value.weekday);
  return { ...value, weekdayIndex: weekday };
}

function clockLabel(epochMs) {
  const p = zoneParts(epochMs);
  return `${p.hour}:${p.minute} · ${t("weekdays")[p.weekdayIndex]} ${p.day}/${p.month}/${p.year}`;
}

function dayLabel(seconds) {
  const p = zoneParts(seconds * 1000);
  return `${t("weekdays")[p.weekdayIndex]}, ${p.day}/${p.month}/${p.year}`;
}

function timeLabel(seconds) {
  const p = zoneParts(seconds * 1000);
  return `${p.hour}:${p.minute}`;
}

function showClock() {
  if (state.clock) $("clock-now").textContent = clockLabel(botNow());
}

async function moveClock(spec) {
  const buttons = document.querySelectorAll("#clock-buttons button");
  buttons.forEach((b) => { b.disabled = true; });
  $("clock-busy").hidden = false;
  try {
    const result = await api("POST", "/webchat/clock", spec);
    setClock(result.clock);
    toast(t("clockMoved", { time: clockLabel(botNow()) }));
  } catch (error) {
    toast(error.message, true);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    $("clock-busy").hidden = true;
  }
}

// --- language, wiring, toasts --------------------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = language;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const node of document.querySelectorAll("[data-t-placeholder]")) node.placeholder = t(node.dataset.tPlaceholder);
  for (const button of document.querySelectorAll("#clock-buttons button")) button.title = t("clockTip");
  $("lang-vi").classList.toggle("active", language === "vi");
  $("lang-en").classList.toggle("active", language === "en");
  if (state.people.length) {
    renderPeople();
    if (state.current) {
      renderHeader();
      renderMessages();
      renderComposer();
      refreshExamples();
    }
  }
  showClock();
}

function wireControls() {
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", () => {
      language = button.dataset.lang;
      localStorage.setItem("dieuphoi.language", language);
      $("speaker").replaceChildren();
      applyLanguage();
    });
  }
  for (const button of document.querySelectorAll("#clock-buttons button")) {
    button.addEventListener("click", () => moveClock(JSON.parse(button.dataset.clock)));
  }
  $("composer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("composer-input");
    const text = input.value;
    input.value = "";
    send(text);
  });
  $("composer-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("composer-form").requestSubmit();
    } else if (event.key === "Escape") {
      closeMenu();
      cancelReply();
    }
  });
  $("composer-input").addEventListener("input", (event) => {
    const value = event.target.value;
    if (/^\/\S*$/.test(value)) openMenu(value.slice(1).toLowerCase());
    else closeMenu();
  });
  $("menu-button").addEventListener("click", () => {
    if ($("menu-popup").hidden) openMenu();
    else closeMenu();
  });
  $("reply-cancel").addEventListener("click", cancelReply);
  $("start-button").addEventListener("click", () => send("/start"));
  $("speaker").addEventListener("change", (event) => {
    state.speaker = Number(event.target.value);
    renderMessages();
    refreshExamples();
  });
  $("new-citizen").addEventListener("click", async () => {
    try {
      const citizen = await api("POST", "/webchat/citizens", { language });
      state.people.push(citizen);
      state.chats.set(citizen.id, new Map());
      renderPeople();
      select(citizen.id);
    } catch (error) {
      toast(error.message, true);
    }
  });
}

function toast(text, isError = false) {
  const node = el("div", { className: `toast${isError ? " error" : ""}`, text });
  $("toasts").append(node);
  setTimeout(() => node.remove(), isError ? 6000 : 3500);
}

boot().catch((error) => toast(String(error.message || error), true));
