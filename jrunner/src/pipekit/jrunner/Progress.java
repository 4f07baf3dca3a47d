package pipekit.jrunner;

import java.io.PrintStream;

/** The row count as a bare number on stdout, at most twice a second (never with a null stream). */
final class Progress {
    private static final long EVERY_NANOS = 500_000_000L;

    private final PrintStream out;
    private long last = System.nanoTime();

    Progress(PrintStream out) {
        this.out = out;
    }

    void rows(long count) {
        if (out == null) {
            return;
        }
        long now = System.nanoTime();
        if (now - last >= EVERY_NANOS) {
            last = now;
            out.println(count);
            out.flush();
        }
    }
}
