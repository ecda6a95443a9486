package dev.xpsr.testing;

import dev.xpsr.testing.RestoresThreadCount;
import dev.xpsr.torch.NativeStartup;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For test classes that run tiny networks on one ATen thread (faster than two for tensors that small): the thread
 * count is process-wide, so it is put back after the class, and the test classes run after it in the same JVM
 * keep every core.
 */
public final class RestoresThreadCount implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RestoresThreadCount.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        NativeStartup.ensureStarted();
        context.getStore(NS).put("threads", NativeStartup.threads());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Integer threads = context.getStore(NS).get("threads", Integer.class);
        NativeStartup.ensureStarted(threads);
    }
}
