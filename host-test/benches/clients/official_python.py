"""Times HubSpot's official Python client (hubspot-api-client) against a
HubSpot-compatible server, for the `compare` benchmark.

Reads one JSON object on stdin (the fields are listed in `main`) and prints one
JSON object on stdout: the duration of each measured call in microseconds.
Warm-up calls are not reported, and interpreter start-up and imports happen
before any timing.
"""

import json
import sys
import time

from hubspot import HubSpot
from hubspot.crm.deals import SimplePublicObjectInputForCreate


def time_calls(call, warmup, iterations):
    """Run `call` `warmup` times untimed, then `iterations` times timed."""
    for _ in range(warmup):
        call()
    durations = []
    for _ in range(iterations):
        start = time.perf_counter_ns()
        call()
        durations.append((time.perf_counter_ns() - start) / 1000)
    return durations


def run_latency(client, config):
    # Each access to `basic_api` builds a new API client with its own connection
    # pool, so each API object is taken once and its keep-alive connection reused,
    # as a long-running program would do.
    contacts = client.crm.contacts.basic_api
    deals = client.crm.deals.basic_api
    tickets = client.crm.tickets.basic_api
    warmup = config["warmup"]
    iterations = config["iterations"]

    def get_contact():
        contact = contacts.get_by_id(config["contact_id"], properties=config["contact_properties"])
        assert contact.id == config["contact_id"], contact.id

    def create_deal():
        deal = deals.create(SimplePublicObjectInputForCreate(**config["deal_input"]))
        assert deal.id, "created deal has no ID"

    def get_ticket():
        ticket = tickets.get_by_id(config["ticket_id"], properties=config["ticket_properties"])
        assert ticket.id == config["ticket_id"], ticket.id

    return {
        "get_contact": time_calls(get_contact, warmup, iterations),
        "create_deal": time_calls(create_deal, warmup, iterations),
        "get_ticket": time_calls(get_ticket, warmup, iterations),
    }


def run_get_all(client, config):
    durations = []
    count = 0
    for _ in range(config["runs"]):
        start = time.perf_counter_ns()
        contacts = client.crm.contacts.get_all(properties=config["properties"])
        durations.append((time.perf_counter_ns() - start) / 1000)
        count = len(contacts)
    return {"get_all": durations, "count": count}


def main():
    # Fields: mode ("latency" or "get_all"), base_url, token; for latency: warmup,
    # iterations, contact_id, contact_properties, deal_input (the JSON body of a
    # create request), ticket_id, ticket_properties; for get_all: runs, properties.
    config = json.load(sys.stdin)
    client = HubSpot(access_token=config["token"], host=config["base_url"])
    if config["mode"] == "latency":
        result = run_latency(client, config)
    elif config["mode"] == "get_all":
        result = run_get_all(client, config)
    else:
        raise ValueError(f"unknown mode {config['mode']!r}: expected 'latency' or 'get_all'")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
