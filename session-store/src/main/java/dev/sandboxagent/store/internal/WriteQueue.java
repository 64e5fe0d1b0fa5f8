package dev.sandboxagent.store.internal;

import dev.sandboxagent.store.StoreException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The writer thread's inbox: FIFO, so the order appends enter it is the order their events are numbered. Bounded
 * in drafts, not requests, because drafts are what costs memory and write time.
 */
final class WriteQueue {
    private final int capacityDrafts;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition hasRoom = lock.newCondition();
    private final ArrayDeque<WriteRequest> requests = new ArrayDeque<>();
    private int queuedDrafts;
    /** {@link #queuedDrafts} by session (only sessions with some queued), for {@link #queuedDrafts(String)}. */
    private final HashMap<String, int[]> queuedBySession = new HashMap<>();
    private boolean closed;

    WriteQueue(int capacityDrafts) {
        this.capacityDrafts = capacityDrafts;
    }

    /**
     * Queues an append. With {@code mayBlock}, waits while it would take the queue past its capacity: that is the
     * backpressure on a producer faster than the disk. An append larger than the whole capacity gets in once the
     * queue is empty, or it never would.
     *
     * @throws StoreException if the queue is closed, also when it closes during the wait
     */
    void putAppend(WriteRequest.Append append, boolean mayBlock) throws InterruptedException {
        putAppend(append, mayBlock, true);
    }

    /**
     * As {@link #putAppend(WriteRequest.Append, boolean)}; without {@code wakeWriter} the writer thread is not
     * signalled: the caller then either takes the append itself or calls {@link #wakeWriterIfQueued} (see
     * StoreWriter.commitQueuedIfIdle).
     */
    void putAppend(WriteRequest.Append append, boolean mayBlock, boolean wakeWriter) throws InterruptedException {
        int drafts = append.drafts().size();
        lock.lock();
        try {
            while (mayBlock && !closed && queuedDrafts > 0 && queuedDrafts + drafts > capacityDrafts) {
                hasRoom.await();
            }
            add(append, drafts, wakeWriter);
        } finally {
            lock.unlock();
        }
    }

    /** Drafts of {@code sessionId} waiting for the writer (not those of the commit in progress). */
    int queuedDrafts(String sessionId) {
        lock.lock();
        try {
            int[] count = queuedBySession.get(sessionId);
            return count == null ? 0 : count[0];
        } finally {
            lock.unlock();
        }
    }

    /** Queues a task; tasks do not count against the capacity (their callers wait for them one at a time). */
    void putTask(WriteRequest.Task<?> task) {
        lock.lock();
        try {
            add(task, 0, true);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The writer's next unit of work: a task on its own, or consecutive appends totalling at most {@code maxDrafts}
     * drafts (a bigger single append comes alone). Once it holds an append it waits up to {@code lingerNanos} for
     * more to join the same commit, unless the cap is reached, a task is next or the queue is closed. Blocks while
     * the queue is empty; returns an empty list once the queue is closed and drained.
     */
    List<WriteRequest> takeBatch(int maxDrafts, long lingerNanos) throws InterruptedException {
        lock.lock();
        try {
            while (requests.isEmpty()) {
                if (closed) {
                    return List.of();
                }
                notEmpty.await();
            }
            if (requests.peek() instanceof WriteRequest.Task) {
                return List.of(requests.poll());
            }
            List<WriteRequest> batch = new ArrayList<>();
            int drafts = 0;
            long lingerLeft = lingerNanos;
            while (drafts < maxDrafts) {
                WriteRequest next = requests.peek();
                if (next == null) {
                    if (closed || lingerLeft <= 0) {
                        break;
                    }
                    hasRoom.signalAll();
                    lingerLeft = notEmpty.awaitNanos(lingerLeft);
                    continue;
                }
                if (!(next instanceof WriteRequest.Append append)
                        || (!batch.isEmpty() && drafts + append.drafts().size() > maxDrafts)) {
                    break;
                }
                requests.poll();
                batch.add(append);
                drafts += append.drafts().size();
                queuedDrafts -= append.drafts().size();
                countForSession(append, -append.drafts().size());
            }
            hasRoom.signalAll();
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks until something is queued; false once the queue is closed and drained. Takes nothing: whoever holds
     * the writer's role takes it ({@link #pollBatch}), the writer thread or an appending thread that commits itself.
     */
    boolean awaitWork() throws InterruptedException {
        lock.lock();
        try {
            while (requests.isEmpty()) {
                if (closed) {
                    return false;
                }
                notEmpty.await();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** As {@link #takeBatch} without waiting: an empty list when nothing is queued. */
    List<WriteRequest> pollBatch(int maxDrafts) {
        lock.lock(); // reentrant: takeBatch takes it again, and with something queued and no linger never waits
        try {
            return requests.isEmpty() ? List.of() : takeBatch(maxDrafts, 0);
        } catch (InterruptedException e) {
            throw new IllegalStateException("cannot happen: the queue is not empty and nothing waits", e);
        } finally {
            lock.unlock();
        }
    }

    /** Refuses new requests and wakes everyone waiting; what is queued stays for the writer to drain. */
    void close() {
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
            hasRoom.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the queue and hands back what nobody will write (the writer stopped). */
    List<WriteRequest> closeAndDrain() {
        lock.lock();
        try {
            close();
            List<WriteRequest> left = new ArrayList<>(requests);
            requests.clear();
            queuedDrafts = 0;
            queuedBySession.clear();
            return left;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes the writer thread if anything is queued. */
    void wakeWriterIfQueued() {
        lock.lock();
        try {
            if (!requests.isEmpty()) {
                notEmpty.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    private void add(WriteRequest request, int drafts, boolean wakeWriter) {
        if (closed) {
            throw StoreFailures.closed();
        }
        requests.add(request);
        queuedDrafts += drafts;
        if (request instanceof WriteRequest.Append append) {
            countForSession(append, drafts);
        }
        if (wakeWriter) {
            notEmpty.signal();
        }
    }

    private void countForSession(WriteRequest.Append append, int delta) {
        int[] count = queuedBySession.computeIfAbsent(append.sessionId(), id -> new int[1]);
        count[0] += delta;
        if (count[0] <= 0) {
            queuedBySession.remove(append.sessionId());
        }
    }
}
