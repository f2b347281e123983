import { actorText } from './actors.js';
import { NOBODY_COLOUR } from './palette.js';

/**
 * Positions up to this many carry their labels on the map and are drawn as SVG; beyond, a label
 * shows on hover, and the markers are drawn on one canvas: an element per marker makes a map of
 * a thousand positions take several times as long to appear.
 */
const LABELLED_POSITIONS = 40;

/**
 * The positions of one neighbourhood on a Leaflet map: a plain background with a scale and the
 * neighbourhood's outline when known, or the operator's tiles (TIMELINE_TILE_URL). Markers are
 * made once per neighbourhood; moving in time only restyles them.
 */
export class ControlMap {
  constructor(container, { tileUrl, onSelect }) {
    const L = globalThis.L;
    this.container = container;
    this.onSelect = onSelect;
    this.map = L.map(container, { zoomSnap: 0.25, attributionControl: false, worldCopyJump: false });
    L.control.scale({ imperial: false, maxWidth: 160 }).addTo(this.map);
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(this.map);
      container.classList.add('with-tiles');
    }
    this.canvas = L.canvas({ padding: 0.5 });
    this.layers = L.layerGroup().addTo(this.map);
    this.markers = new Map();
    this.neighbourhoodId = undefined;
    this.rendered = false;
  }

  /** Draws the neighbourhood's outline and one marker (or area) per located position. */
  setNeighbourhood(detail) {
    const L = globalThis.L;
    this.layers.clearLayers();
    this.markers.clear();
    this.neighbourhoodId = detail.id;
    this.rendered = false;
    const bounds = L.latLngBounds([]);
    if (detail.outline) {
      const outline = L.geoJSON(detail.outline, { style: { color: '#444', weight: 2, dashArray: '6 4', fill: false }, interactive: false });
      outline.addTo(this.layers);
      bounds.extend(outline.getBounds());
    }
    const labelled = detail.positions.filter((p) => p.coordinates || p.area).length <= LABELLED_POSITIONS;
    this.container.dataset.renderer = labelled ? 'svg' : 'canvas';
    const renderer = labelled ? undefined : this.canvas;
    for (const position of detail.positions) {
      const layer = this.layerFor(position, labelled, renderer);
      if (layer === undefined) continue;
      layer.addTo(this.layers);
      this.markers.set(position.id, layer);
      bounds.extend(layer.getBounds ? layer.getBounds() : layer.getLatLng());
    }
    // Labels sit to the right of their markers: room for them there.
    if (bounds.isValid()) this.map.fitBounds(bounds, { paddingTopLeft: [30, 30], paddingBottomRight: [labelled ? 190 : 30, 30], maxZoom: 18 });
    else this.map.setView([0, 0], 2);
  }

  layerFor(position, labelled, renderer) {
    const L = globalThis.L;
    let layer;
    if (position.area) layer = L.geoJSON(position.area, { style: { weight: 2 }, ...(renderer && { renderer }) });
    else if (position.coordinates) {
      const [lon, lat] = position.coordinates;
      layer = L.circleMarker([lat, lon], { radius: 6 + 2.5 * Math.sqrt(position.weight ?? 1), weight: 2, ...(renderer && { renderer }) });
    } else return undefined;
    layer.bindTooltip('', { permanent: labelled, direction: 'auto', offset: [8, 0], className: 'position-label' });
    layer.on('click', () => this.onSelect?.(position.id));
    return layer;
  }

  /** Colours each position by its controller at the chosen instant; contested ones get a dashed ring. */
  show(positions, colours, actors) {
    for (const position of positions) {
      const layer = this.markers.get(position.id);
      if (layer === undefined) continue;
      const fill = position.controller === null ? NOBODY_COLOUR : colours.get(position.controller);
      layer.setStyle({
        color: position.contested ? '#B00020' : '#222222',
        weight: position.contested ? 3 : 1.5,
        dashArray: position.contested ? '4 3' : null,
        fillColor: fill,
        fillOpacity: position.controller === null ? 0.6 : 0.85,
      });
      const label = `${position.name}: ${actorText(actors, position.controller)}${position.contested ? ' (contested)' : ''}`;
      layer.setTooltipContent(label);
      layer.getTooltip().getElement?.()?.setAttribute('dir', 'auto');
    }
    this.container.dataset.renderedPositions = String(this.markers.size);
    this.container.dataset.neighbourhood = this.neighbourhoodId;
    if (!this.rendered) {
      this.rendered = true;
      // Read by the benchmark and the tests: the map of this neighbourhood has been drawn.
      performance.mark('console:map-rendered', { detail: { neighbourhood: this.neighbourhoodId, positions: this.markers.size } });
    }
  }

  focus(positionId) {
    const layer = this.markers.get(positionId);
    if (layer === undefined) return;
    this.map.panTo(layer.getBounds ? layer.getBounds().getCenter() : layer.getLatLng());
    layer.openTooltip();
  }

  resize() {
    this.map.invalidateSize();
  }
}
