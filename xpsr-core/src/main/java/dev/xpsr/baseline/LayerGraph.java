package dev.xpsr.baseline;

import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A feed-forward network as a list of layers in execution order, each reading and writing named blobs: the
 * common form the TF.js (Keras) and ncnn readers build, run on libtorch.
 *
 * <p>Execution keeps memory at what the graph needs at once, not its sum: each layer runs in its own
 * {@link PointerScope} (its temporaries, e.g. padded copies, die with it), its outputs are held through handles of
 * the graph's own, and a blob is released right after the last layer that reads it. A 23-block RRDB net has
 * about a thousand blobs; holding them all would need gigabytes for a 128×128 input.
 *
 * <p>{@link #probe} measures the largest total size of blobs alive at once (outputs of the running layer
 * included; tensors sharing storage counted once; workspaces inside an op not counted), which grows with the
 * input's pixel count and so sizes tiles for a memory budget.
 */
public final class LayerGraph {
    /**
     * One layer.
     *
     * @param name    the layer's name in its source file (for error messages)
     * @param type    the layer type as the source file spells it ({@code Conv2D}, {@code Convolution}, ...)
     * @param inputs  the blobs it reads, in order
     * @param outputs the blobs it writes, in order
     * @param op      the computation
     */
    public record Node(String name, String type, List<String> inputs, List<String> outputs, GraphOp op) {
        public Node {
            inputs = List.copyOf(inputs);
            outputs = List.copyOf(outputs);
        }
    }

    private final String description;
    private final String input;
    private final String output;
    private final List<Node> nodes;
    private final Map<String, Integer> lastUse;
    private final GraphWeights weights;
    private volatile boolean closed;

    /**
     * @param description what the graph is (model file), for error messages
     * @param input       the blob the network input is bound to
     * @param output      the blob returned
     * @param nodes       layers in an order where every blob is written before it is read
     * @throws IllegalArgumentException if a blob is read before it is written, written twice, or the output is
     *                                  never written
     */
    public LayerGraph(String description, String input, String output, List<Node> nodes) {
        this(description, input, output, nodes, new GraphWeights());
    }

    /** A graph owning {@code weights}, the constants its operations read, freed by {@link #close}. */
    LayerGraph(String description, String input, String output, List<Node> nodes, GraphWeights weights) {
        this.description = description;
        this.input = input;
        this.output = output;
        this.nodes = List.copyOf(nodes);
        this.weights = weights;
        this.lastUse = validateAndIndex();
    }

    /** Frees the graph's weights; running it afterwards fails. Idempotent; must not overlap a run. */
    public synchronized void close() {
        if (!closed) {
            closed = true;
            weights.release();
        }
    }

    public String description() {
        return description;
    }

    public List<Node> nodes() {
        return nodes;
    }

    /** Runs the network on {@code x} (1, C, H, W); the result belongs to the caller's {@link PointerScope}. */
    public Tensor run(Tensor x) {
        return execute(x, null);
    }

    /**
     * What one run on an input reveals: the output's shape and the peak bytes of blobs alive at once.
     *
     * @param outputShape    shape of the output for the probed input
     * @param peakLiveBytes  see the class comment
     */
    public record Probe(long[] outputShape, long peakLiveBytes) {
    }

    /** Runs the network on {@code x} and reports the output shape and the peak live-blob bytes. */
    public Probe probe(Tensor x) {
        long[] peak = {0};
        try (PointerScope scope = new PointerScope()) {
            Tensor out = execute(x, peak);
            return new Probe(Torch.shape(out), peak[0]);
        }
    }

    private Map<String, Integer> validateAndIndex() {
        Set<String> written = new LinkedHashSet<>(List.of(input));
        Map<String, Integer> last = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            for (String in : n.inputs()) {
                if (!written.contains(in)) {
                    throw new IllegalArgumentException(description + ": layer '" + n.name() + "' (" + n.type()
                            + ") reads blob '" + in + "' that no earlier layer writes");
                }
                last.put(in, i);
            }
            for (String out : n.outputs()) {
                if (!written.add(out)) {
                    throw new IllegalArgumentException(description + ": blob '" + out + "' is written twice (layer '"
                            + n.name() + "')");
                }
            }
        }
        if (!written.contains(output)) {
            throw new IllegalArgumentException(description + ": no layer writes the output blob '" + output + "'");
        }
        last.put(output, nodes.size());
        return last;
    }

    private Tensor execute(Tensor x, long[] peak) {
        if (closed) {
            throw new IllegalStateException(description + ": the network is closed");
        }
        Map<String, Tensor> live = new HashMap<>();
        live.put(input, x);
        try {
            releaseIfDead(input, -1, live);
            for (int i = 0; i < nodes.size(); i++) {
                step(i, live, peak);
            }
            Tensor result = live.remove(output);
            return output.equals(input) ? result : handOver(result);
        } finally {
            // after a failure: free what is still held
            for (String blob : List.copyOf(live.keySet())) {
                releaseIfDead(blob, Integer.MAX_VALUE, live);
            }
        }
    }

    private void step(int i, Map<String, Tensor> live, long[] peak) {
        Node n = nodes.get(i);
        Tensor[] outs = runNode(n, live);
        for (int k = 0; k < outs.length; k++) {
            live.put(n.outputs().get(k), outs[k]);
        }
        if (peak != null) {
            peak[0] = Math.max(peak[0], liveBytes(live));
        }
        for (String blob : new LinkedHashSet<>(n.inputs())) {
            releaseIfDead(blob, i, live);
        }
        for (String blob : n.outputs()) {
            releaseIfDead(blob, i, live);
        }
    }

    private Tensor[] runNode(Node n, Map<String, Tensor> live) {
        Tensor[] in = new Tensor[n.inputs().size()];
        for (int k = 0; k < in.length; k++) {
            in[k] = live.get(n.inputs().get(k));
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor[] outs = n.op().apply(in);
            if (outs.length != n.outputs().size()) {
                throw new IllegalStateException("produced " + outs.length + " outputs, the graph expects "
                        + n.outputs().size());
            }
            Tensor[] owned = new Tensor[outs.length];
            for (int k = 0; k < outs.length; k++) {
                // a handle of the graph's own: an op may return its input (a split), which the graph must not free
                owned[k] = new Tensor(outs[k]);
                owned[k].retainReference();
            }
            return owned;
        } catch (RuntimeException e) {
            throw new IllegalStateException(description + ": layer '" + n.name() + "' (" + n.type() + ") failed: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Drops the graph's handle on {@code blob} if layer {@code index} was its last reader; the input blob is the
     * caller's tensor and is only forgotten, never released.
     */
    private void releaseIfDead(String blob, int index, Map<String, Tensor> live) {
        Integer last = lastUse.get(blob);
        if (last == null || last <= index) {
            Tensor t = live.remove(blob);
            if (t != null && !blob.equals(input)) {
                t.releaseReference();
            }
        }
    }

    /** Moves the retained result into the caller's innermost scope, if any, so that scope frees it. */
    private static Tensor handOver(Tensor result) {
        PointerScope outer = PointerScope.getInnerScope();
        if (outer != null) {
            outer.attach(result);
            result.releaseReference();
        }
        return result;
    }

    private static long liveBytes(Map<String, Tensor> live) {
        Map<Long, Long> byStorage = new HashMap<>();
        IdentityHashMap<Tensor, Boolean> seen = new IdentityHashMap<>();
        for (Tensor t : live.values()) {
            if (seen.put(t, Boolean.TRUE) == null) {
                byStorage.merge(t.data_ptr().address(), t.nbytes(), Math::max);
            }
        }
        long sum = 0;
        for (long b : byStorage.values()) {
            sum += b;
        }
        return sum;
    }

    /** The layer types used, for error messages and reports. */
    public List<String> layerTypes() {
        List<String> types = new ArrayList<>();
        for (Node n : nodes) {
            if (!types.contains(n.type())) {
                types.add(n.type());
            }
        }
        return types;
    }
}
