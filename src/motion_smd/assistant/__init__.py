"""The motion assistant (issue #18): a conversation about motions in which every fact comes from a
deterministic tool.

Modules:
    session   the conversation state: motions loaded so far, their descriptions, the artefacts made
    tools     the tools with their JSON schemas (describe, events, count, compare, ask, plot, render, search,
              compose, edit, load); each returns text for the model and an artefact path for the user
    grammar   a deterministic command grammar for the common requests (no model needed)
    planner   the agent loop: an OpenAI-compatible server with tool calls, a local transformers model, or the
              grammar; a bounded number of tool calls per turn, tool errors returned to the model
    app       the web app (`smd app`, Gradio)
"""
