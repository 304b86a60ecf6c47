#!/usr/bin/env python3
"""Writes the hostile-request corpus into corpus/ (run from this folder).

Every field of budget-submission/1 with every wrong type, broken encodings,
deep nesting, huge arrays and strings, numbers out of range, duplicate keys,
truncations, and the valid samples to mutate from.  Deterministic.
"""
import json, os, random

random.seed(6)
here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, 'corpus')
os.makedirs(out, exist_ok=True)
for f in os.listdir(out):
    # regress-*: inputs the fuzzer once broke the daemon with; kept.
    if not f.startswith('regress-'):
        os.remove(os.path.join(out, f))
data = os.path.join(here, '..', 'data')
samples = [json.load(open(os.path.join(data, f), encoding='utf-8'))
           for f in ('fengquan-116001-2023-corrected.json', 'putuo-wanli-2025.json')]
cases = []

def add(name, payload):
    if isinstance(payload, str):
        payload = payload.encode('utf-8')
    cases.append((name, payload))

def env(doc, op='submit'):
    return json.dumps({'op': op, 'document': doc}, ensure_ascii=False)

for i, s in enumerate(samples):
    add('valid-submit-%d' % i, env(s))
    add('valid-validate-%d' % i, env(s, 'validate'))
for op in ('status', 'departments', 'events', 'totals', 'reload', 'history', 'show'):
    add('op-%s' % op, json.dumps({'op': op}))
add('totals-drill', json.dumps({'op': 'totals', 'by': ['function:class', 'source', 'kind'],
                                'where': ['function:201*,221*'], 'unit': '元', 'sort': 'amount'}))
wrong_types = [None, True, 0, -1, 1e308, 'x', '', [], {}, [1], {'a': 1}]

# Every field of the format, with every wrong type.
def paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(obj, list) and obj:
        yield from paths(obj[0], prefix + (0,))

def replaced(doc, path, value):
    doc = json.loads(json.dumps(doc))
    cur = doc
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return doc

# A small document that still has every field of the format.
mini = json.loads(json.dumps(samples[0]))
mini['expenditure'] = mini['expenditure'][:2]
mini['projects'] = mini['projects'][:1]
mini['projects'][0]['indicators'] = mini['projects'][0]['indicators'][:1]
mini['economic'] = samples[1]['economic'][:1]
# The optional keys budgetd adds: a 三公 table in its own unit, the balance
# rows and one statement of the explanatory text.
ext = json.loads(json.dumps(mini))
ext['three_public']['unit'] = '元'
ext['stated']['balance_used'] = '1'
ext['stated']['carry_forward'] = '1'
ext['narrative'] = [{'section': '一、收支预算总体情况', 'page': 3, 'line': 82,
                     'text': '2023年收入总计232.31万元，比2022年减少20.66万元，下降8.17%。',
                     'figures': [{'quantity': 'income_grand', 'amount': '232.31', 'unit': '万元'},
                                 {'quantity': 'income_grand', 'change': '-20.66', 'percent': '-8.17'},
                                 {'quantity': 'basic_total', 'amount': '110.21',
                                  'share': '47.44', 'of': 'expenditure_year'}],
                     'years': [{'year': 2023, 'role': 'stated'}, {'year': 2022, 'role': 'compared'}]}]
add('valid-extensions', env(ext, 'validate'))
new_keys = (('narrative',), ('three_public', 'unit'), ('stated', 'balance_used'),
            ('stated', 'carry_forward'))
for s in [mini, ext]:
    for path in paths(s):
        if not path:
            continue
        if s is ext and not any(path[:len(k)] == k for k in new_keys):
            continue  # the rest is mini's
        for j, v in enumerate(wrong_types):
            name = 'type-%s-%d' % ('.'.join(map(str, path)), j)
            if s is ext:
                name = 'ext-' + name
            add(name, env(replaced(s, path, v)))

# Amounts at and past their edges.
for j, v in enumerate(['9000000000000000', '9000000000000000.01', '-0.01', '1e3', '0x10',
                       '1,000', ' 1', '1.234', '١٢', 'NaN', 1e16, -5, 0.1 + 0.2,
                       123456789012345678, '00000000000000000000000000001']):
    doc = json.loads(json.dumps(samples[1]))
    doc['income']['general_budget'] = v
    add('amount-%d' % j, env(doc))

# Encodings.
add('utf8-invalid', b'{"op":"status","x":"\xff\xfe"}')
add('utf8-overlong', b'{"op":"st\xc0\xafatus"}')
add('utf8-surrogate', b'{"op":"\xed\xa0\x80"}')
add('utf8-truncated', b'{"op":"\xe9\x83')
add('nul-byte', b'{"op":"status"\x00}')
add('bom', b'\xef\xbb\xbf{"op":"status"}')
# Structure.
add('empty', b'')
add('whitespace', b'   \n\t ')
add('garbage', b'\x00\x01\x02garbage')
add('array', b'[]')
add('string', b'"op"')
add('number', b'42')
add('deep-array', b'[' * 5000 + b']' * 5000)
add('deep-object', b'{"op":"submit","document":' + b'{"a":' * 3000 + b'1' + b'}' * 3001)
add('deep-unclosed', b'{"a":' * 20000)
add('dup-op', b'{"op":"status","op":"submit"}')
add('dup-keys-doc', env(samples[0]).replace('"year": 2023', '"year": 2023, "year": 1999'))
add('huge-string', json.dumps({'op': 'status', 'pad': 'x' * 300000}))
add('huge-array', json.dumps({'op': 'submit', 'document': dict(samples[0], expenditure=[samples[0]['expenditure'][0]] * 3000)}, ensure_ascii=False))
add('many-keys', '{"op":"submit","document":{' + ','.join('"k%d":1' % i for i in range(20000)) + '}}')
add('long-op', json.dumps({'op': 'x' * 20000}))
add('big-number', b'{"op":"events","since":1e400}')
add('neg-number', b'{"op":"events","since":-1e400}')
add('float-year', env(dict(samples[0], year=2023.5), 'validate'))
add('int-overflow', b'{"op":"show","department":"116001","revision":99999999999999999999999}')
# Truncations of a valid request at many points.
full = env(samples[0]).encode('utf-8')
for cut in sorted(set(random.randrange(1, len(full)) for _ in range(40))):
    add('truncated-%05d' % cut, full[:cut])
# Random byte flips of a valid request.
for k in range(60):
    b = bytearray(full)
    for _ in range(random.randrange(1, 6)):
        b[random.randrange(len(b))] = random.randrange(256)
    add('flip-%02d' % k, bytes(b))

for name, payload in cases:
    with open(os.path.join(out, name[:100]), 'wb') as f:
        f.write(payload)
print('%d cases in %s' % (len(cases), out))
