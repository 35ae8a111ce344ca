"""What an operator needs to run the service: liveness and readiness for the load
balancer, and metrics in the Prometheus format. Nothing here reads or says anything
about people."""
