package dev.xpsr.prompt;

/** The chat protocols a model server can speak. */
public enum ServerProtocol {
    /**
     * OpenAI-compatible {@code POST /v1/chat/completions}, the image as a base64 {@code data:} URL in an
     * {@code image_url} content part (vLLM, llama.cpp's server, LM Studio, OpenAI).
     */
    OPENAI,
    /** Ollama's {@code POST /api/chat}, the image as base64 in the message's {@code images}. */
    OLLAMA
}
