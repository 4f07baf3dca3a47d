package pipekit.jrunner;

import java.io.PrintStream;

/**
 * The row count as a bare number on stdout, at most twice a second as rows arrive, and every few
 * seconds while none do (a source still computing its first row, a slow one), so a long load is
 * never silent. Closing it stops the repeats before the load's own report is printed. With a null
 * stream it counts nothing and prints nothing.
 */
final class Progress implements AutoCloseable {
    private static final long EVERY_NANOS = 500_000_000L;
    private static final long QUIET_NANOS = 5_000_000_000L;

    private final PrintStream out;
    private final Thread repeater;
    private volatile long count;
    private volatile long last = System.nanoTime();

    Progress(PrintStream out) {
        this.out = out;
        repeater = new Thread(this::repeat, "progress");
        repeater.setDaemon(true);
        if (out != null) {
            repeater.start();
        }
    }

    void rows(long count) {
        if (out == null) {
            return;
        }
        this.count = count;
        if (System.nanoTime() - last >= EVERY_NANOS) {
            print();
        }
    }

    private synchronized void print() {
        last = System.nanoTime();
        out.println(count);
        out.flush();
    }

    private void repeat() {
        try {
            while (true) {
                Thread.sleep(500);
                if (System.nanoTime() - last >= QUIET_NANOS) {
                    print();
                }
            }
        } catch (InterruptedException e) {
            // Closed: the load is over.
        }
    }

    @Override
    public void close() {
        repeater.interrupt();
        try {
            repeater.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
