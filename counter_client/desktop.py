"""The counter's desktop window (Tkinter).

Above the calling buttons: who serves here (a sign-in box with the officer id and a masked
PIN, or the officer's name and Keluar) and the counter's state (Jeda with a reason picked
from the hall's list, Lanjutkan or Buka Loket, Tutup Loket). While calls are not allowed
the calling buttons are greyed out with the reason, as the protocol answers it.

The session runs in a background thread; its callbacks only put views and events on a
queue, and the Tk thread drains that queue with `after`, because Tk must only be touched
from the thread that created it.
"""

from __future__ import annotations

import queue
import tkinter as tk
from collections.abc import Callable
from dataclasses import replace
from tkinter import simpledialog

from display_server.contract import ACTION_LABELS, DESK_ACTIONS, DESK_STATE_LABELS, Action, DeskState

from .protocol import Desk, Event, Fatal, Link, Reply, View
from .rules import PressGuard, needs_skip_instead, typed_number
from .session import CounterSession, SessionThread
from .texts import (
    BAD_NUMBER,
    OFFICER_ID,
    PICK_REASON,
    PIN,
    RECALL_LIMIT,
    RESUME,
    ack_text,
    desk_text,
    detail_text,
    error_text,
    link_text,
    officer_text,
)
from .tokens import outbox_path, store_token

POLL_MS = 30
BACKGROUND = "#10161f"
FOREGROUND = "#f2f5f8"
MUTED = "#93a1b0"
LINK_COLOURS = {Link.ONLINE: "#3ecf6e", Link.FAILED: "#ff5c5c"}
WARN = "#ffb347"
DESK_COLOURS = {DeskState.OPEN: "#3ecf6e", DeskState.PAUSED: WARN, DeskState.CLOSED: "#ff5c5c"}

# Every action has function keys, letters and keypad keys (with NumLock on and off), so a
# cheap USB keypad or a foot switch sending KP_Enter works as well as the keyboard.
SHORTCUTS: dict[Action, tuple[str, ...]] = {
    Action.CALL_NEXT: ("Return", "KP_Enter", "KP_Add", "F1", "n", "N", "KP_1", "KP_End"),
    Action.RECALL: ("F2", "r", "R", "KP_0", "KP_Insert", "KP_2", "KP_Down"),
    Action.SKIP: ("F3", "l", "L", "KP_Subtract", "KP_3", "KP_Next"),
    Action.FINISH: ("F4", "s", "S", "KP_Decimal", "KP_Delete", "KP_4", "KP_Left"),
    Action.TRANSFER: ("F5", "a", "A", "KP_Divide", "KP_5", "KP_Begin"),
    Action.CALL: ("F6", "p", "P", "KP_Multiply", "KP_6", "KP_Right"),
    # the desk: function keys only (letters and digits are typed into the sign-in box)
    Action.SIGN_IN: ("F7",),
    Action.SIGN_OUT: ("F8",),
    Action.PAUSE: ("F9",),
    Action.OPEN: ("F10",),
    Action.CLOSE: ("F11",),
}
HINTS: dict[Action, str] = {
    Action.CALL_NEXT: "Enter / F1",
    Action.RECALL: "F2 / 0",
    Action.SKIP: "F3 / −",
    Action.FINISH: "F4 / ,",
    Action.TRANSFER: "F5 / ÷",
    Action.CALL: "F6 / ×",
    Action.SIGN_IN: "F7",
    Action.SIGN_OUT: "F8",
    Action.PAUSE: "F9",
    Action.OPEN: "F10",
    Action.CLOSE: "F11",
}
CALL_BUTTONS = tuple(a for a in SHORTCUTS if a not in DESK_ACTIONS)


class CounterWindow:
    def __init__(self, root: tk.Tk, server: str, counter_id: str, token: str, *, save_token: bool = False):
        self.root = root
        self.server = server
        self.counter_id = counter_id
        self.token = token
        self.save_token = save_token
        self.view = View(counter_id=counter_id)
        self.guard = PressGuard()
        self.inbox: queue.Queue[View | Event] = queue.Queue()
        self.thread: SessionThread | None = None
        self._build()
        self._bind_keys()
        self.start_session()
        self.root.after(POLL_MS, self._poll)

    # --- session -------------------------------------------------------------------------

    def start_session(self) -> None:
        def factory() -> CounterSession:
            return CounterSession(
                self.server,
                self.counter_id,
                self.token,
                on_change=self.inbox.put,
                on_event=self.inbox.put,
                outbox_path=outbox_path(self.counter_id),
            )

        self.thread = SessionThread(factory).start()

    def close(self) -> None:
        if self.thread is not None:
            self.thread.stop()
        self.root.destroy()

    def _poll(self) -> None:
        try:
            while True:
                item = self.inbox.get_nowait()
                if isinstance(item, View):
                    self.view = item
                    self._remember_token()
                else:
                    self._on_event(item)
        except queue.Empty:
            pass
        self._render()
        self.root.after(POLL_MS, self._poll)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, Fatal):
            self._say(error_text(event.code, event.message), error=True)
            if event.code == "unauthorized" and self.save_token:
                store_token(self.server, self.counter_id, None)
        elif isinstance(event, Reply):
            if event.ok:
                self._say(ack_text(event.command.type, event.message.get("ticket"), event.message.get("counter")))
            else:
                self._say(error_text(event.code, str(event.message.get("message", ""))), error=True)

    def _remember_token(self) -> None:
        if self.save_token and self.view.link is Link.ONLINE:
            store_token(self.server, self.counter_id, self.token)
            self.save_token = False

    # --- presses -------------------------------------------------------------------------

    def press(self, action: Action) -> None:
        if self.view.link is Link.FAILED:
            return
        if self.view.call_refusal(action):
            return  # the greyed-out buttons already say why
        if needs_skip_instead(action, self.view):
            self._say(RECALL_LIMIT.format(recalls=(self.view.current or {}).get("recalls", 0)), error=True)
            return
        if not self.guard.allow(action, self.view.pending):
            return
        fields = self._ask_fields(action)
        if fields is None or self.thread is None:
            return
        self.thread.submit(action, **fields)
        self.view = _with_pending(self.view, action)  # mark at once; the session's view follows
        self._render()

    def _ask_fields(self, action: Action) -> dict | None:
        if action is Action.CALL:
            return self._ask_number()
        if action is Action.TRANSFER:
            service = self._pick_service()
            return {"service": service} if service else None
        if action is Action.SIGN_IN:
            return self._take_sign_in()
        if action is Action.PAUSE:
            reason = self.reason.get()
            return {"reason": reason} if reason else None
        return {}

    def _take_sign_in(self) -> dict | None:
        """The typed officer id and PIN; the PIN box is emptied at once (the PIN is not kept)."""
        if not self.sign_in_box.winfo_ismapped():
            return None  # someone is signed in: F7 has no box to read
        officer, pin = self.officer_entry.get().strip(), self.pin_entry.get()
        self.pin_entry.delete(0, "end")
        if not officer:
            self.officer_entry.focus_set()
            return None
        if not pin:
            self.pin_entry.focus_set()
            return None
        return {"officer": officer, "pin": pin}

    def _ask_number(self) -> dict | None:
        typed = simpledialog.askstring(ACTION_LABELS[Action.CALL], "Nomor antrean (mis. A-012):", parent=self.root)
        if not typed or not typed.strip():
            return None
        number = typed_number(typed)
        if number is None:
            self._say(BAD_NUMBER.format(text=typed.strip()), error=True)
            return None
        return {"number": number}

    def _pick_service(self) -> str | None:
        current = (self.view.current or {}).get("service")
        choices = [(sid, name) for sid, name in self.view.transfer_to if sid != current]
        if not choices:
            return None
        lines = "\n".join(f"{i}. {name}" for i, (_, name) in enumerate(choices, 1))
        answer = simpledialog.askinteger(
            ACTION_LABELS[Action.TRANSFER],
            f"Alihkan ke layanan:\n{lines}",
            parent=self.root,
            minvalue=1,
            maxvalue=len(choices),
        )
        return choices[answer - 1][0] if answer else None

    def change_token(self) -> None:
        token = ask_token(self.root, self.counter_id)
        if not token:
            return
        self.token = token
        if self.thread is not None:
            self.thread.stop()
        self.view = View(counter_id=self.counter_id)
        self.start_session()

    # --- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        root = self.root
        root.title(f"Antrian — {self.counter_id}")
        root.configure(bg=BACKGROUND, padx=12, pady=10)
        root.protocol("WM_DELETE_WINDOW", self.close)
        self.name_label = self._label("", 14, bold=True)
        self.link_label = self._label("Menghubungkan…", 11)
        self.detail_label = self._label("", 10, colour=WARN)
        self._build_staff()
        self.desk_label = self._label("", 12, bold=True)
        self._build_desk_buttons()
        self._label("Nomor sekarang", 10, colour=MUTED)
        self.ticket_label = self._label("—", 56, bold=True)
        self.info_label = self._label("", 11, colour=MUTED)
        self.pending_label = self._label("", 11, colour=WARN)
        self.waiting_label = self._label("Menunggu: 0", 13)
        self.message_label = self._label("", 11, wrap=360)
        self.refusal_label = self._label("", 11, colour=WARN, wrap=360)
        self.buttons = self._build_buttons()
        self.token_button = tk.Button(root, text="Ganti token", command=self.change_token)

    def _label(self, text: str, size: int, *, bold: bool = False, colour: str = FOREGROUND, wrap: int = 0) -> tk.Label:
        label = tk.Label(
            self.root,
            text=text,
            bg=BACKGROUND,
            fg=colour,
            wraplength=wrap,
            font=("DejaVu Sans", size, "bold" if bold else "normal"),
        )
        label.pack(fill="x")
        return label

    def _build_staff(self) -> None:
        """The sign-in box, or the officer's name and Keluar: one place, swapped by `_render`."""
        holder = tk.Frame(self.root, bg=BACKGROUND)
        holder.pack(fill="x", pady=(6, 0))
        self.sign_in_box = tk.Frame(holder, bg=BACKGROUND)
        self.officer_entry = self._entry_row(self.sign_in_box, OFFICER_ID, 0)
        self.pin_entry = self._entry_row(self.sign_in_box, PIN, 1, show="•")
        self.sign_in_button = tk.Button(
            self.sign_in_box, text=self._button_text(Action.SIGN_IN), command=self._presser(Action.SIGN_IN)
        )
        self.sign_in_button.grid(row=0, column=2, rowspan=2, sticky="ns", padx=(6, 0))
        self.sign_in_box.columnconfigure(1, weight=1)
        self.officer_entry.bind("<Return>", lambda _event: self.pin_entry.focus_set())
        self.pin_entry.bind("<Return>", lambda _event: self.press(Action.SIGN_IN))
        self._staff_shown: tuple[bool, bool] | None = None  # (counter known, someone signed in)
        self.officer_box = tk.Frame(holder, bg=BACKGROUND)
        self.officer_label = tk.Label(
            self.officer_box, bg=BACKGROUND, fg=FOREGROUND, anchor="w", font=("DejaVu Sans", 12, "bold")
        )
        self.officer_label.pack(side="left", fill="x", expand=True)
        tk.Button(
            self.officer_box, text=self._button_text(Action.SIGN_OUT), command=self._presser(Action.SIGN_OUT)
        ).pack(side="right")

    def _entry_row(self, frame: tk.Frame, label: str, row: int, *, show: str = "") -> tk.Entry:
        tk.Label(frame, text=label, bg=BACKGROUND, fg=MUTED, font=("DejaVu Sans", 10)).grid(
            row=row, column=0, sticky="w"
        )
        entry = tk.Entry(frame, show=show, font=("DejaVu Sans", 12))
        entry.grid(row=row, column=1, sticky="ew", padx=(6, 0), pady=1)
        return entry

    def _build_desk_buttons(self) -> None:
        frame = tk.Frame(self.root, bg=BACKGROUND)
        frame.pack(fill="x", pady=(2, 0))
        tk.Label(frame, text=PICK_REASON, bg=BACKGROUND, fg=MUTED, font=("DejaVu Sans", 10)).grid(row=0, column=0)
        self.reason = tk.StringVar(self.root)
        self.reason_menu = tk.OptionMenu(frame, self.reason, "")
        self.reason_menu.configure(takefocus=False)
        self.reason_menu.grid(row=0, column=1, sticky="ew", padx=3)
        self._reasons_shown: tuple[str, ...] = ()
        self.desk_buttons = {
            action: tk.Button(frame, text=self._button_text(action), command=self._presser(action), takefocus=False)
            for action in (Action.PAUSE, Action.OPEN, Action.CLOSE)
        }
        self.desk_buttons[Action.PAUSE].grid(row=0, column=2, sticky="ew", padx=3)
        self.desk_buttons[Action.OPEN].grid(row=1, column=0, columnspan=2, sticky="ew", padx=3, pady=3)
        self.desk_buttons[Action.CLOSE].grid(row=1, column=2, sticky="ew", padx=3, pady=3)
        frame.columnconfigure(1, weight=1)

    @staticmethod
    def _button_text(action: Action, label: str | None = None) -> str:
        return f"{label or ACTION_LABELS[action]} ({HINTS[action]})"

    def _build_buttons(self) -> dict[Action, tk.Button]:
        frame = tk.Frame(self.root, bg=BACKGROUND)
        frame.pack(fill="both", expand=True, pady=(8, 0))
        buttons = {}
        for index, action in enumerate(CALL_BUTTONS):
            button = tk.Button(
                frame,
                text=f"{ACTION_LABELS[action]}\n{HINTS[action]}",
                font=("DejaVu Sans", 12, "bold"),
                height=2,
                command=self._presser(action),
                takefocus=False,
            )
            if index == 0:
                button.grid(row=0, column=0, columnspan=2, sticky="nsew", padx=3, pady=3)
            else:
                button.grid(row=1 + (index - 1) // 2, column=(index - 1) % 2, sticky="nsew", padx=3, pady=3)
            buttons[action] = button
        for column in (0, 1):
            frame.columnconfigure(column, weight=1)
        return buttons

    def _bind_keys(self) -> None:
        for action, keys in SHORTCUTS.items():
            for key in keys:
                self.root.bind_all(f"<KeyPress-{key}>", self._key_presser(action))

    def _presser(self, action: Action) -> Callable[[], None]:
        return lambda: self.press(action)

    def _key_presser(self, action: Action) -> Callable[[tk.Event], None]:
        def on_key(event: tk.Event) -> None:
            if isinstance(event.widget, tk.Entry) and event.char:
                return  # typing an id, a PIN or a number (function keys still act)
            self.press(action)

        return on_key

    # --- rendering -----------------------------------------------------------------------

    def _render(self) -> None:
        view = self.view
        counter = view.counter or {}
        current = view.current
        number = current.get("number", "—") if current else "—"
        self.name_label.config(text=counter.get("name", self.counter_id))
        self.link_label.config(text=link_text(view), fg=LINK_COLOURS.get(view.link, WARN))
        self.detail_label.config(text=detail_text(view))
        self.ticket_label.config(text=number)
        self.info_label.config(text=ticket_info(view))
        self.pending_label.config(text="⏳ menunggu konfirmasi server…" if view.pending else "")
        self.waiting_label.config(text=f"Menunggu: {view.waiting}")
        self.root.title(window_title(view, number))
        self.buttons[Action.SKIP].config(bg=WARN if view.recall_limit_reached else self._default_bg)
        self._render_desk()
        if view.link is Link.FAILED:
            self.token_button.pack(pady=(6, 0))
        else:
            self.token_button.pack_forget()

    def _render_desk(self) -> None:
        view, desk = self.view, self.view.desk
        known = view.counter is not None
        self.desk_label.config(text=desk_text(desk) if known else "", fg=DESK_COLOURS[desk.state])
        self._render_staff(desk, known=known)
        self._render_reasons(view.pause_reasons)
        refusal = next(filter(None, (view.call_refusal(a) for a in CALL_BUTTONS)), None)
        self.refusal_label.config(text=error_text(refusal) if refusal and known else "")
        for action, button in self.buttons.items():
            button.config(state="disabled" if view.call_refusal(action) else "normal")
        self.desk_buttons[Action.PAUSE].config(state="normal" if desk.state is DeskState.OPEN else "disabled")
        resume = desk.state is DeskState.PAUSED
        self.desk_buttons[Action.OPEN].config(
            text=self._button_text(Action.OPEN, RESUME if resume else None),
            state="disabled" if desk.state is DeskState.OPEN else "normal",
        )
        self.desk_buttons[Action.CLOSE].config(state="disabled" if desk.state is DeskState.CLOSED else "normal")

    def _render_staff(self, desk: Desk, *, known: bool) -> None:
        self.officer_label.config(text=officer_text(desk))
        shown = (known, desk.officer is not None)
        if shown == self._staff_shown:
            return
        self._staff_shown = shown
        if desk.officer is not None:
            self.sign_in_box.pack_forget()
            self.officer_box.pack(fill="x")
            self.root.focus_set()  # the keys call again, not type into the hidden box
            return
        self.officer_box.pack_forget()
        self.sign_in_box.pack(fill="x")
        if known and desk.require_sign_in:  # nothing to call until someone signs in
            self.officer_entry.focus_set()

    def _render_reasons(self, reasons: tuple[str, ...]) -> None:
        if reasons == self._reasons_shown:
            return
        menu = self.reason_menu["menu"]
        menu.delete(0, "end")
        for reason in reasons:
            menu.add_command(label=reason, command=lambda r=reason: self.reason.set(r))
        if self.reason.get() not in reasons:
            self.reason.set(reasons[0] if reasons else "")
        self._reasons_shown = reasons

    @property
    def _default_bg(self) -> str:
        return self.buttons[Action.CALL_NEXT].cget("bg")

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message_label.config(text=text, fg=WARN if error else FOREGROUND)


def ticket_info(view: View) -> str:
    """The current ticket's service and how often it was recalled, e.g. 'KTP · panggil ulang 1/3'."""
    current = view.current
    if not current:
        return ""
    names = dict(view.transfer_to) | {s.id: s.name for s in view.services}
    service = str(current.get("service", ""))
    text = names.get(service, service)
    recalls, limit = current.get("recalls", 0), view.recall_limit
    if recalls or limit:
        text += f" · panggil ulang {recalls}" + (f"/{limit}" if limit else "")
    return text


def window_title(view: View, number: str) -> str:
    """What the taskbar shows: 'A-002 — Loket 1 — Buka — Budi Santoso — Antrian'."""
    parts = [number, (view.counter or {}).get("name", view.counter_id)]
    if view.counter is not None:
        desk = view.desk
        parts.append(DESK_STATE_LABELS[desk.state])
        if desk.officer:
            parts.append(desk.officer.name)
    return " — ".join([*parts, "Antrian"])


def _with_pending(view: View, action: Action) -> View:
    return replace(view, pending=view.pending + (str(action),))


def ask_token(root: tk.Tk, counter_id: str) -> str | None:
    token = simpledialog.askstring("Token loket", f"Token untuk {counter_id}:", show="*", parent=root)
    return token.strip() if token and token.strip() else None


def run_window(
    server: str, counter_id: str, token: str | None, *, on_top: bool = False, save_token: bool = False
) -> None:
    root = tk.Tk()
    root.minsize(340, 480)
    if on_top:
        root.attributes("-topmost", True)
    if token is None:
        root.withdraw()
        token = ask_token(root, counter_id)
        if token is None:
            root.destroy()
            return
        root.deiconify()
    CounterWindow(root, server, counter_id, token, save_token=save_token)
    root.focus_force()
    root.mainloop()
