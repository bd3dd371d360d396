import assert from 'node:assert/strict';
import { formatParentImage, formatPublisher } from '../../../src/format/values.js';
import { renderJson } from '../../../src/format/json.js';

describe('format/values', () => {
  it('formatPublisher prefixes CN= once, and is empty without a publisher', () => {
    assert.equal(formatPublisher('Microsoft'), 'CN=Microsoft');
    assert.equal(formatPublisher('CN=Microsoft'), 'CN=Microsoft');
    assert.equal(formatPublisher('cn=Contoso'), 'cn=Contoso');
    assert.equal(formatPublisher(''), '');
    assert.equal(formatPublisher(null), '');
    assert.equal(formatPublisher(undefined), '');
  });

  it('formatParentImage shows the PowerShell ContainerImage form, and nothing for a base image', () => {
    assert.equal(
      formatParentImage({ Name: 'NanoServer', Publisher: 'Microsoft', Version: '10.0.10586.0' }),
      "ContainerImage (Name = 'NanoServer') [Publisher = 'CN=Microsoft', Version = '10.0.10586.0']",
    );
    assert.equal(
      formatParentImage({ Name: 'base', Publisher: null, Version: '1.0.0.0' }),
      "ContainerImage (Name = 'base') [Publisher = '', Version = '1.0.0.0']",
    );
    assert.equal(formatParentImage(null), '');
  });
});

describe('format/json', () => {
  it('renders one array document, 2-space indent, trailing newline', () => {
    assert.equal(renderJson([{ Name: 'a', ParentImage: { Name: 'b' } }]), '[\n  {\n    "Name": "a",\n    "ParentImage": {\n      "Name": "b"\n    }\n  }\n]\n');
  });

  it('renders an empty array for no objects', () => {
    assert.equal(renderJson([]), '[]\n');
  });
});
