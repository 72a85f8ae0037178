"""The Flask app a FlaskDeployment's pipeline builds and its ECS service runs."""

import os

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def index():
    # The load balancer's health check reads this path (service.healthCheckPath "/"):
    # it must answer 200 without touching anything the app depends on.
    return f"Hello from {os.environ.get('APP_NAME', 'flask-operator')}!\n"


@app.get("/version")
def version():
    # IMAGE_TAG is set by the Dockerfile from the commit the pipeline built.
    return jsonify(version=os.environ.get("IMAGE_TAG", "dev"))


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5000")))
