"""What the access log reads besides the route: the name of who acted, left on the request's state by whichever
adapter authenticated it (an API key in hosho.api.auth, a console user in hosho.console.app)."""

ACTOR_NAME = "actor_name"  # request.state key read by the access log
