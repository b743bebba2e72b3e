/** RFC 4180 parsing of one CSV line (without its line break), to read back what an export wrote. */
export function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let index = 0;
  while (index <= line.length) {
    if (line[index] === '"') {
      let text = '';
      index++;
      for (;;) {
        const quote = line.indexOf('"', index);
        text += line.slice(index, quote);
        index = quote + 1;
        if (line[index] === '"') {
          text += '"';
          index++;
        } else break;
      }
      cells.push(text);
      index++; // the comma
    } else {
      const comma = line.indexOf(',', index);
      const end = comma === -1 ? line.length : comma;
      cells.push(line.slice(index, end));
      index = end + 1;
    }
  }
  return cells;
}
