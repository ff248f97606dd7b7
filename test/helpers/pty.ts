// Runs a command under a real pseudo-terminal (util-linux `script`) and renders what it prints with
// a headless terminal emulator (@xterm/headless), so a test reads the screen a person would see:
// cursor movements and erasures applied, not the raw escape codes.
import { spawn, spawnSync } from "node:child_process";
import xterm from "@xterm/headless";

const { Terminal } = xterm;

export interface PtyRun {
  /** The screen as rendered now: one string per row, trailing blanks trimmed, empty rows at the end dropped. */
  screen(): Promise<string[]>;
  /** Resolves with the screen once `ready(screen)` holds (checked after every write the program makes). */
  waitForScreen(ready: (screen: string[]) => boolean, what: string): Promise<string[]>;
  /** The exit code of the program under the terminal. */
  exited: Promise<number | null>;
  /** Everything the program printed, raw. */
  raw(): string;
  /** End the terminal and the program (a test that failed half-way). */
  kill(): void;
}

/** Whether `script` can run a command under a pseudo-terminal here. */
export function ptyAvailable(): boolean {
  const probe = spawnSync("script", ["-qfec", "true", "/dev/null"], { stdio: "ignore" });
  return probe.error === undefined && probe.status === 0;
}

const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;

/** Start `argv` on a terminal of `cols` x `rows` (stdin, stdout and stderr are all the terminal). */
export function runOnPty(argv: readonly string[], options: { cols: number; rows: number; env?: NodeJS.ProcessEnv; cwd?: string }): PtyRun {
  const term = new Terminal({ cols: options.cols, rows: options.rows, allowProposedApi: true, scrollback: 1000 });
  // The size is set inside the terminal, as a terminal window would set it, before the program starts.
  const command = `stty cols ${options.cols} rows ${options.rows}; exec ${argv.map(quote).join(" ")}`;
  const child = spawn("script", ["-qfec", command, "/dev/null"], { env: options.env ?? process.env, cwd: options.cwd, stdio: ["pipe", "pipe", "inherit"] });
  let raw = "";
  const waiters: { ready: (screen: string[]) => boolean; resolve: (screen: string[]) => void }[] = [];
  let pending: Promise<void> = Promise.resolve();

  const render = (): string[] => {
    const buffer = term.buffer.active;
    const rows: string[] = [];
    for (let i = 0; i < buffer.length; i++) rows.push(buffer.getLine(i)?.translateToString(true) ?? "");
    while (rows.length > 0 && rows.at(-1) === "") rows.pop();
    return rows;
  };
  const check = (): void => {
    const screen = render();
    for (const w of [...waiters]) {
      if (w.ready(screen)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(screen);
      }
    }
  };
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    raw += text;
    pending = pending.then(() => new Promise<void>((done) => term.write(text, done))).then(check);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => void pending.then(() => resolve(code)));
  });

  return {
    screen: async () => {
      await pending;
      return render();
    },
    waitForScreen: (ready, what) =>
      new Promise<string[]>((resolve, reject) => {
        void exited.then(() => pending.then(() => {
          const screen = render();
          if (ready(screen)) resolve(screen);
          else reject(new Error(`the program exited before the screen showed ${what}:\n${screen.join("\n")}`));
        }));
        waiters.push({ ready, resolve });
        void pending.then(check);
      }),
    exited,
    raw: () => raw,
    kill: () => {
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
