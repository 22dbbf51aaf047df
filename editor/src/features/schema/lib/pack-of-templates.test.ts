import { describe, expect, it } from 'vitest';
import { buildTemplates } from './build-templates';
import { withProvenance } from './pack-of-templates';

describe(withProvenance.name, () => {
  it('records the pack of every known node type and keeps recorded ones', () => {
    const templates = buildTemplates({
      Glow: {
        name: 'Glow',
        display_name: '',
        description: '',
        category: 'x',
        python_module: 'glow-pack',
        momaflow_pack: { id: 'glow-pack', version: '1.0.0', sandboxed: true },
        output_node: false,
        deprecated: false,
        input: { required: {}, optional: {} },
        output: [],
        output_name: [],
        output_is_list: [],
        output_tooltips: [],
      },
    });
    const saved = withProvenance(
      {
        format: 'momaflow.workflow',
        version: 2,
        nodes: {
          '1': { class_type: 'Glow', inputs: {}, pos: [0, 0], mode: 'always' },
          '2': {
            class_type: 'Gone',
            inputs: {},
            pos: [0, 0],
            mode: 'always',
            pack: { id: 'gone-pack', version: '2.0.0' },
          },
          '3': { class_type: 'Unknown', inputs: {}, pos: [0, 0], mode: 'always' },
        },
        groups: [],
        notes: [],
        extra: {},
      },
      templates,
    );
    expect(saved.nodes['1']?.pack).toEqual({ id: 'glow-pack', version: '1.0.0' });
    expect(saved.nodes['2']?.pack).toEqual({ id: 'gone-pack', version: '2.0.0' });
    expect(saved.nodes['3']?.pack).toBeUndefined();
  });
});
