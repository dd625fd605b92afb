"""The application room: builds the app from the rooms below and runs it.

create_app() and the runtime (assembly), the HTTP and Socket Mode servers, the scheduler,
the demo and the command-line uses of services. Only bot.py and the tests import it.
"""
