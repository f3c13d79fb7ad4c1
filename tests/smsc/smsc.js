// An SMSC for hallq's notice tests, on the npm package `smpp` (0.5.x), an SMPP 3.4 client and
// server implementation not written here.
//
//   node smsc.js PORT OUT_FILE SYSTEM_ID PASSWORD
//
// Listens on 127.0.0.1:PORT (0: any free port), prints "listening PORT" once it does, accepts
// bind_transmitter with SYSTEM_ID/PASSWORD (refuses others with ESME_RBINDFAIL), and appends one
// JSON line per submit_sm to OUT_FILE: {"destination", "source", "data_coding", "text"}.
'use strict';
const fs = require('fs');
const smpp = require('smpp');

const [port, out, systemId, password] = process.argv.slice(2);
let nextId = 1;

function text(pdu) {
  // The package decodes short_message and message_payload by data_coding (UCS2 included).
  for (const field of [pdu.short_message, pdu.message_payload]) {
    if (field && typeof field.message === 'string' && field.message) return field.message;
    if (typeof field === 'string' && field) return field;
  }
  return '';
}

const server = smpp.createServer({ debug: false }, (session) => {
  session.on('error', () => {});
  session.on('bind_transmitter', (pdu) => {
    if (pdu.system_id !== systemId || pdu.password !== password) {
      session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
      session.close();
      return;
    }
    session.send(pdu.response({ system_id: 'test-smsc' }));
  });
  session.on('submit_sm', (pdu) => {
    const line = {
      destination: pdu.destination_addr,
      source: pdu.source_addr,
      data_coding: pdu.data_coding,
      text: text(pdu),
    };
    fs.appendFileSync(out, JSON.stringify(line) + '\n');
    session.send(pdu.response({ message_id: String(nextId++) }));
  });
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => {
    session.send(pdu.response());
    session.close();
  });
});

server.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
