package pipekit.jrunner;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code jrunner --serve}: a warm JVM that runs one call after another, each exactly as a fresh
 * start would run its command line (Main.run), so a caller pays for the JVM's start once.
 *
 * <p>Requests, one JSON object a line on stdin:
 * {@code {"call": [ARGS…], "env": {"JRUNNER_SOURCE_PASSWORD": …, "JRUNNER_DEST_PASSWORD": …,
 * "JRUNNER_CLASSPATH": …}}} starts a call (env holds what a fresh start reads from its
 * environment; nothing of it is ever written back); {@code {"answer": "commit"}} answers a call
 * waiting in -confirm; {@code {"cancel": true}} cancels the running call.
 *
 * <p>Replies, one frame a line on stdout, a tag, a space and text: {@code O line} a line the call
 * wrote on its stdout, {@code E line} one on its stderr ({@code o}/{@code e}: a last line that had
 * no newline), and {@code X STATUS HEAP} when it ended: its exit status and the bytes of heap in use.
 * The end of stdin ends the server; a call still running then is cancelled and commits nothing.
 */
public final class Serve {
    private final Frames frames = new Frames(new FileOutputStream(FileDescriptor.out));
    private final String launcherJars = System.getProperty("jrunner.jars", "");
    private Thread running;
    private Call call;
    private BlockingQueue<String> answers;

    private Serve() {}

    public static void main(String[] args) throws IOException {
        String watched = System.getenv("JRUNNER_WATCH_PARENT");
        if (watched != null) {
            Main.watchParent(Long.parseLong(watched));
        }
        // Frames are the only thing on stdout: anything else printing there (a driver) goes to stderr.
        System.setOut(System.err);
        Pool.startSweeping();
        new Serve().loop(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
    }

    private void loop(BufferedReader in) throws IOException {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> request;
            try {
                request = Json.object(line);
            } catch (IllegalArgumentException e) {
                System.err.println("jrunner --serve: " + e.getMessage());
                continue;
            }
            if (request.containsKey("call")) {
                start(request);
            } else if (request.containsKey("answer") && answers != null) {
                answers.add(String.valueOf(request.get("answer")));
            } else if (request.containsKey("cancel") && call != null) {
                Call c = call;
                Thread cancel = new Thread(() -> c.cancelUntilDone(10 * Main.CANCEL_MILLIS), "cancel");
                cancel.setDaemon(true);
                cancel.start();
            }
        }
        // Our caller closed stdin: it is gone, or done with us.
        if (running != null && running.isAlive()) {
            Main.haltCancelled();
        }
        Pool.sweep(-1);
        System.exit(0);
    }

    private void start(Map<String, Object> request) {
        awaitRunning();
        Map<String, String> env = new HashMap<>();
        if (request.get("env") instanceof Map<?, ?> given) {
            given.forEach((k, v) -> env.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
        }
        String[] args = request.get("call") instanceof List<?> list
            ? list.stream().map(String::valueOf).toArray(String[]::new) : new String[0];
        BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        // A cancel while the call waits for its answer is a refusal.
        Call.Answers next = () -> {
            for (;;) {
                String answer = queue.poll(200, TimeUnit.MILLISECONDS);
                Call waiting = Call.current();
                if (answer != null || waiting == null || waiting.cancelled()) {
                    return answer;
                }
            }
        };
        ClassLoader drivers = Drivers.loader(env.get("JRUNNER_CLASSPATH"), launcherJars);
        Call c = new Call(env, drivers, next);
        call = c;
        answers = queue;
        running = new Thread(() -> run(c, args), "call");
        running.setContextClassLoader(drivers);
        running.start();
    }

    private void run(Call c, String[] args) {
        FrameStream stdout = new FrameStream(frames, 'O');
        FrameStream stderr = new FrameStream(frames, 'E');
        PrintStream out = new PrintStream(stdout, false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(stderr, false, StandardCharsets.UTF_8);
        c.begin();
        int status;
        try {
            status = Main.run(args, out, err);
        } catch (Throwable t) {
            // Main.run reports every Exception; this is an Error (out of memory, say): the caller
            // sees it and replaces this JVM.
            err.println("jrunner: " + t);
            err.flush();
            status = 1;
        }
        c.end(status == 0);
        stdout.finish();
        stderr.finish();
        Runtime rt = Runtime.getRuntime();
        frames.end(status, rt.totalMemory() - rt.freeMemory());
    }

    /** A new call waits for the one before (already ended: the caller saw its X frame). */
    private void awaitRunning() {
        if (running == null) {
            return;
        }
        try {
            running.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The server's stdout: frames written whole, one at a time. */
    static final class Frames {
        private final OutputStream out;

        Frames(OutputStream out) {
            this.out = new BufferedOutputStream(out, 1 << 16);
        }

        synchronized void line(char tag, byte[] bytes, int off, int len) {
            try {
                out.write(tag);
                out.write(' ');
                out.write(bytes, off, len);
                out.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        synchronized void flush() {
            try {
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        synchronized void end(int status, long heap) {
            byte[] text = (status + " " + heap).getBytes(StandardCharsets.UTF_8);
            line('X', text, 0, text.length);
            flush();
        }
    }

    /** What a call writes on one of its streams, cut into lines, each sent as a frame of tag. */
    static final class FrameStream extends OutputStream {
        private final Frames frames;
        private final char tag;
        private byte[] line = new byte[256];
        private int size;

        FrameStream(Frames frames, char tag) {
            this.frames = frames;
            this.tag = tag;
        }

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            int end = off + len;
            for (int i = off; i < end; i++) {
                if (b[i] != '\n') {
                    continue;
                }
                if (size == 0) {
                    frames.line(tag, b, off, i - off);
                } else {
                    append(b, off, i - off);
                    frames.line(tag, line, 0, size);
                    size = 0;
                }
                off = i + 1;
            }
            append(b, off, end - off);
        }

        private void append(byte[] b, int off, int len) {
            if (size + len > line.length) {
                line = Arrays.copyOf(line, Math.max(line.length * 2, size + len));
            }
            System.arraycopy(b, off, line, size, len);
            size += len;
        }

        @Override
        public void flush() {
            frames.flush();
        }

        /** Send a last line that had no newline. */
        synchronized void finish() {
            if (size > 0) {
                frames.line(Character.toLowerCase(tag), line, 0, size);
                size = 0;
            }
        }
    }
}
