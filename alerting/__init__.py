"""Alerting: rules over the classified stream that open alerts and start response playbooks."""
