package dev.xpsr.io;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hostile pickles: those that run a command when Python unpickles them (a global applied to arguments by REDUCE)
 * are refused by {@link TorchPickle} at the global, with its name, whichever opcode names it, and nothing is called;
 * a storage whose record name would lead out of the archive's {@code data/} folder is refused too.
 */
class TorchPickleHostileTest {
    private static final Path FILE = Path.of("evil.bin");

    @ParameterizedTest
    @ValueSource(strings = {"os.system", "posix.system", "subprocess.Popen", "builtins.eval", "builtins.exec",
        "builtins.__import__", "torch.load", "torch.nn.modules.linear.Linear"})
    void aGlobalOutsideTheStateDictListIsRefusedByName(String global) {
        assertThatThrownBy(() -> TorchPickle.read(withGlobalOpcode(global), FILE))
                .isInstanceOf(TorchCheckpointException.class).hasMessageStartingWith(FILE.toString())
                .hasMessageContaining("the Python global " + global + ",");
        assertThatThrownBy(() -> TorchPickle.read(withStackGlobal(global), FILE))
                .isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining("the Python global " + global + ",");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../../etc/passwd", "/etc/passwd", "a/../../b", ".."})
    void aStorageRecordNameLeadingOutOfTheArchiveIsRefused(String key) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(new byte[] {(byte) 0x80, 2, '('});
        string(p, "storage");
        p.write('c');
        p.writeBytes("torch\nFloatStorage\n".getBytes(StandardCharsets.US_ASCII));
        string(p, key);
        string(p, "cpu");
        p.writeBytes(new byte[] {'K', 1, 't', 'Q', '.'});

        assertThatThrownBy(() -> TorchPickle.read(p.toByteArray(), FILE)).isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining("storage \"" + key + "\"").hasMessageContaining("not a valid storage record name");
    }

    /** {@code global(module, name)('touch pwned')} with protocol 2's GLOBAL opcode, as CPython pickles os.system. */
    private static byte[] withGlobalOpcode(String global) {
        int dot = global.lastIndexOf('.');
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(new byte[] {(byte) 0x80, 2, 'c'});
        p.writeBytes((global.substring(0, dot) + "\n" + global.substring(dot + 1) + "\n").getBytes(StandardCharsets.US_ASCII));
        return callWithCommand(p);
    }

    /** The same with protocol 4's STACK_GLOBAL, the global's module and name pushed as strings. */
    private static byte[] withStackGlobal(String global) {
        int dot = global.lastIndexOf('.');
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(new byte[] {(byte) 0x80, 4});
        shortString(p, global.substring(0, dot));
        shortString(p, global.substring(dot + 1));
        p.write(0x93);
        return callWithCommand(p);
    }

    private static byte[] callWithCommand(ByteArrayOutputStream p) {
        p.write('(');
        string(p, "touch pwned");
        p.writeBytes(new byte[] {'t', 'R', '.'});
        return p.toByteArray();
    }

    /** BINUNICODE: a string with its 4-byte length. */
    private static void string(ByteArrayOutputStream p, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.write('X');
        p.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        p.writeBytes(b);
    }

    private static void shortString(ByteArrayOutputStream p, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        p.write(0x8c);
        p.write(b.length);
        p.writeBytes(b);
    }
}
