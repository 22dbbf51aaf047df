/**
 * @module
 * Picks the widget component for an input's kind, from one table that covers every kind.
 */
import type { ReactElement } from 'react';
import type { SeedControl } from '../../graph/lib/flow-types';
import type { WidgetKind } from '../../schema/lib/node-template';
import { ComboWidget } from './ComboWidget';
import { ImageUploadWidget } from './ImageUploadWidget';
import { NumberWidget } from './NumberWidget';
import { SeedWidget } from './SeedWidget';
import { TextWidget } from './TextWidget';
import { ToggleWidget } from './ToggleWidget';
import type { WidgetProps } from './widget-props';

type Extra = { control: SeedControl; onControl(control: SeedControl): void };

const RENDERERS = {
  INT: (p) => <NumberWidget {...(p as WidgetProps<'INT'>)} />,
  FLOAT: (p) => <NumberWidget {...(p as WidgetProps<'FLOAT'>)} />,
  SEED: (p, extra) => <SeedWidget {...(p as WidgetProps<'SEED'>)} {...extra} />,
  STRING: (p) => <TextWidget {...(p as WidgetProps<'STRING'>)} />,
  BOOLEAN: (p) => <ToggleWidget {...(p as WidgetProps<'BOOLEAN'>)} />,
  COMBO: (p) => {
    const combo = p as WidgetProps<'COMBO'>;
    return combo.widget.upload ? <ImageUploadWidget {...combo} /> : <ComboWidget {...combo} />;
  },
} satisfies Record<WidgetKind, (props: WidgetProps, extra: Extra) => ReactElement>;

/** The widget for `props.widget.kind`. */
export function WidgetField(props: WidgetProps & Extra) {
  const { control, onControl, ...rest } = props;
  return RENDERERS[props.widget.kind](rest, { control, onControl });
}
