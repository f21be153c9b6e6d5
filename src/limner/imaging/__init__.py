"""The shared image vocabulary every domain may import: requests, the model catalog and its family
rules, safe decoding, the action scale and the generation records. It imports only `errors` and `db`."""
