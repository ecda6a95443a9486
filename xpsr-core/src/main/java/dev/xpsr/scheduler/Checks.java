package dev.xpsr.scheduler;

import java.util.List;

/** Config validation with messages that name the key, the value and the valid choices. */
final class Checks {
    private Checks() {
    }

    /** Fails unless {@code value} is one of {@code valid}. */
    static void requireChoice(String key, String value, List<String> valid, String className) {
        if (!valid.contains(value)) {
            throw new IllegalArgumentException(key + " '" + value + "' is not supported by " + className
                    + "; valid choices: " + String.join(", ", valid));
        }
    }

    /** Fails when an option this implementation does not provide is switched on. */
    static void requireOff(String key, boolean on, String className, String why) {
        if (on) {
            throw new IllegalArgumentException(key + "=true is not supported by this " + className + " (" + why
                    + "); valid choices: false");
        }
    }

    /** Fails unless {@code 1 <= steps <= numTrainTimesteps}. */
    static void requireInferenceSteps(int steps, int numTrainTimesteps) {
        if (steps < 1) {
            throw new IllegalArgumentException("num_inference_steps must be at least 1, got " + steps);
        }
        if (steps > numTrainTimesteps) {
            throw new IllegalArgumentException("num_inference_steps " + steps
                    + " cannot be larger than num_train_timesteps " + numTrainTimesteps);
        }
    }
}
