// Times HubSpot's official Node client (@hubspot/api-client) against a
// HubSpot-compatible server, for the `compare` benchmark.
//
// Reads one JSON object on stdin (the same fields as official_python.py) and
// prints one JSON object on stdout: the duration of each measured call in
// microseconds. Warm-up calls are not reported, and start-up and module loading
// happen before any timing. The package is found through NODE_PATH.

'use strict';

const http = require('node:http');
const { Client } = require('@hubspot/api-client');

async function timeCalls(call, warmup, iterations) {
  for (let i = 0; i < warmup; i += 1) {
    await call();
  }
  const durations = [];
  for (let i = 0; i < iterations; i += 1) {
    const start = process.hrtime.bigint();
    await call();
    durations.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return durations;
}

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

async function runLatency(client, config) {
  const { warmup, iterations } = config;

  const getContact = async () => {
    const contact = await client.crm.contacts.basicApi.getById(config.contact_id, config.contact_properties);
    check(contact.id === config.contact_id, `unexpected contact ID ${contact.id}`);
  };
  const createDeal = async () => {
    const deal = await client.crm.deals.basicApi.create(config.deal_input);
    check(Boolean(deal.id), 'created deal has no ID');
  };
  const getTicket = async () => {
    const ticket = await client.crm.tickets.basicApi.getById(config.ticket_id, config.ticket_properties);
    check(ticket.id === config.ticket_id, `unexpected ticket ID ${ticket.id}`);
  };

  return {
    get_contact: await timeCalls(getContact, warmup, iterations),
    create_deal: await timeCalls(createDeal, warmup, iterations),
    get_ticket: await timeCalls(getTicket, warmup, iterations),
  };
}

async function runGetAll(client, config) {
  const durations = [];
  let count = 0;
  for (let run = 0; run < config.runs; run += 1) {
    const start = process.hrtime.bigint();
    const contacts = await client.crm.contacts.getAll(100, undefined, config.properties);
    durations.push(Number(process.hrtime.bigint() - start) / 1000);
    count = contacts.length;
  }
  return { get_all: durations, count };
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function main() {
  const config = await readStdin();
  // No limiter and no retries (the client adds them only when configured), and
  // an explicit keep-alive agent so that calls reuse one connection.
  const client = new Client({
    accessToken: config.token,
    basePath: config.base_url,
    httpAgent: new http.Agent({ keepAlive: true }),
  });
  let result;
  if (config.mode === 'latency') {
    result = await runLatency(client, config);
  } else if (config.mode === 'get_all') {
    result = await runGetAll(client, config);
  } else {
    throw new Error(`unknown mode ${JSON.stringify(config.mode)}: expected "latency" or "get_all"`);
  }
  process.stdout.write(JSON.stringify(result));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
